// CEL for policies: rule conditions, wait conditions and expression approvals. Parsing is
// @bufbuild/cel's (a maintained CEL implementation for ECMAScript, the same parser and
// standard library its evaluator runs with: celEvaluate below, for the task engine). Its
// type checker is not public, so "compiles" here means: the text parses, every identifier
// is a declared variable (or a comprehension's own), every field read directly on a
// variable is one of its documented fields, and every function is in the environment.
import { type CelInput, celEnv, isCelError, isCelList, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { Expr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';

/** The variables an expression sees, with the fields each has (docs/policies.md lists them). */
export const CEL_VARIABLES = {
  subject: [
    'id',
    'email',
    'displayName',
    'username',
    'department',
    'jobTitle',
    'employmentStatus',
    'employmentType',
    'status',
    'origin',
    'managerIds',
    'managers',
    'delegatedUserId',
    'roleIds',
    'employeeIds',
    'profile',
  ],
  entitlement: [
    'id',
    'appId',
    'appResourceTypeId',
    'appResourceId',
    'displayName',
    'description',
    'slug',
    'alias',
    'purpose',
    'durationGrant',
    'emergencyGrantEnabled',
    'riskLevelValueId',
    'complianceFrameworkValueIds',
  ],
  task: ['id', 'numericId', 'displayName', 'origin', 'isEmergency', 'requestorId', 'justification', 'createdAt'],
} as const satisfies Record<string, readonly string[]>;

const env = celEnv({ funcs: strings });
/** Operators the evaluator implements itself rather than as functions of the environment. */
const SPECIAL_FORMS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false']);

/** A problem in an expression: what and where (0-based offset into the text). */
export type CelProblem = { message: string; offset: number; length: number };

type Scope = ReadonlySet<string>;
/** Variables and their fields: the policy ones (CEL_VARIABLES), or another use's (a directory's account filter). */
export type CelVariables = Readonly<Record<string, readonly string[]>>;

function walk(
  e: Expr | undefined,
  scope: Scope,
  offsetOf: (id: bigint) => number,
  out: CelProblem[],
  vars: CelVariables = CEL_VARIABLES,
): void {
  if (!e || out.length > 0) return;
  const at = offsetOf(e.id);
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr':
      if (!scope.has(k.value.name) && !(k.value.name in vars)) {
        out.push({ message: `undeclared reference to '${k.value.name}'`, offset: at, length: k.value.name.length });
      }
      return;
    case 'selectExpr': {
      const operand = k.value.operand;
      if (operand?.exprKind.case === 'identExpr' && !scope.has(operand.exprKind.value.name)) {
        const name = operand.exprKind.value.name;
        const fields = vars[name];
        if (fields && !fields.includes(k.value.field)) {
          out.push({
            message: `undefined field '${k.value.field}' of ${name} (it has ${fields.join(', ')})`,
            offset: at + 1,
            length: k.value.field.length,
          });
          return;
        }
      }
      walk(operand, scope, offsetOf, out, vars);
      return;
    }
    case 'callExpr':
      if (!SPECIAL_FORMS.has(k.value.function) && !env.funcs.find(k.value.function)) {
        out.push({ message: `undeclared reference to function '${k.value.function}'`, offset: at, length: 1 });
        return;
      }
      walk(k.value.target, scope, offsetOf, out, vars);
      for (const a of k.value.args) walk(a, scope, offsetOf, out, vars);
      return;
    case 'listExpr':
      for (const x of k.value.elements) walk(x, scope, offsetOf, out, vars);
      return;
    case 'structExpr':
      for (const f of k.value.entries) {
        if (f.keyKind.case === 'mapKey') walk(f.keyKind.value, scope, offsetOf, out, vars);
        walk(f.value, scope, offsetOf, out, vars);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      walk(c.iterRange, scope, offsetOf, out, vars);
      walk(c.accuInit, scope, offsetOf, out, vars);
      const inner = new Set([...scope, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
      walk(c.loopCondition, inner, offsetOf, out, vars);
      walk(c.loopStep, inner, offsetOf, out, vars);
      walk(c.result, new Set([...scope, c.accuVar]), offsetOf, out, vars);
      return;
    }
    default:
      return;
  }
}

/** The problems of an expression ([] when it compiles), the first one only: later ones often follow from it. */
export function celProblems(text: string, vars: CelVariables = CEL_VARIABLES): CelProblem[] {
  if (text.trim() === '') return [{ message: 'expression is empty', offset: 0, length: 0 }];
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(text);
  } catch (err) {
    const e = err as Error & { rawMessage?: string; location?: { start: { offset: number }; end: { offset: number } } };
    const start = e.location?.start.offset ?? 0;
    return [
      {
        message: `syntax error: ${e.rawMessage ?? e.message}`,
        offset: start,
        length: Math.max(1, (e.location?.end.offset ?? start) - start),
      },
    ];
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const out: CelProblem[] = [];
  walk(parsed.expr, new Set(), (id) => positions[String(id)] ?? 0, out, vars);
  return out;
}

/** The first problem as one line, or undefined when the expression compiles. */
export function celError(text: string, vars: CelVariables = CEL_VARIABLES): string | undefined {
  const p = celProblems(text, vars)[0];
  if (!p) return undefined;
  const { line, column } = lineColumn(text, p.offset);
  return `${p.message} (line ${line}, column ${column})`;
}

/** 1-based line and column (in code points) of an offset in UTF-16 units. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.min(offset, text.length));
  const lines = before.split('\n');
  return { line: lines.length, column: [...lines[lines.length - 1]].length + 1 };
}

/** A value CEL yields, as plain JavaScript: lists become arrays. */
export type CelOutput = boolean | string | number | bigint | null | CelOutput[] | object;

/**
 * Evaluates an expression over the policy variables (each bound to an object holding every one
 * of its CEL_VARIABLES fields, or a field read fails). Answers the value or the error's message.
 */
export function celEvaluate(
  text: string,
  vars: Record<keyof typeof CEL_VARIABLES, object> | Record<string, object>,
): { value?: CelOutput; error?: string } {
  try {
    const out = plan(env, parse(text))(vars as unknown as Record<string, CelInput>);
    if (isCelError(out)) return { error: out.message };
    return { value: isCelList(out) ? ([...out] as CelOutput[]) : (out as CelOutput) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** celEvaluate's work split in two: parse and plan once, then evaluate per input (a directory filters every account). */
export function celProgram(text: string): (vars: Record<string, object>) => { value?: CelOutput; error?: string } {
  const program = plan(env, parse(text));
  return (vars) => {
    try {
      const out = program(vars as unknown as Record<string, CelInput>);
      if (isCelError(out)) return { error: out.message };
      return { value: isCelList(out) ? ([...out] as CelOutput[]) : (out as CelOutput) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
}
