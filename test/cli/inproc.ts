// The `gatehouse` command in this process: the same commander program the binary
// runs (runProgram), or the binary's own entry (main), without starting a process
// and, where a core is given, without opening a database for every command.
import type { CliIo } from '../../src/cli/admin.ts';
import { runInCwd } from '../../src/cli/context.ts';
import { type Lifecycle, runProgram } from '../../src/cli/program.ts';
import type { Core } from '../../src/core.ts';
import { main } from '../../src/main.ts';
import { type CliResult, cleanEnv, cliResult, type Env, ROOT } from './proc.ts';

/** An io that keeps what a command writes, and the result once it exits. */
export function captureIo(args: string[]): { io: CliIo; done(code: number | null): CliResult } {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      out: (t) => {
        stdout += t;
      },
      err: (t) => {
        stderr += t;
      },
    },
    done: (code) => cliResult(args, code, stdout, stderr),
  };
}

/**
 * Runs `gatehouse <args>` against an open core, as a CLI process that opened that
 * database would: files relative to `cwd`, the default tenant `tenantDomain` (as
 * GATEHOUSE_TENANT_DOMAIN would set it) or the core's.
 */
export async function cliOn(core: Core, args: string[], opts: { cwd?: string; tenantDomain?: string } = {}): Promise<CliResult> {
  const c = captureIo(args);
  const view: Core = opts.tenantDomain ? { ...core, config: { ...core.config, tenantDomain: opts.tenantDomain } } : core;
  const { code } = await runInCwd(opts.cwd ?? ROOT, () => runProgram(args, (fn) => fn(view), c.io, directProcess));
  return c.done(code);
}

/**
 * A CLI process that opened the database itself has the lifecycle commands (serve, migrate,
 * tls); here they are refused, since the core is the test's. Having one is also what tells
 * `clients create` that no running server was asked.
 */
const notHere = async () => {
  throw new Error('not available to an in-process command run (the test owns the core)');
};
const directProcess: Lifecycle = { serve: notHere, migrate: notHere, tlsInit: notHere };

/** Runs the binary's entry point (data dir lock, forwarding, database opening) with `env` as its environment. */
export async function mainIn(args: string[], env: Env): Promise<CliResult> {
  const c = captureIo(args);
  return c.done(await main(args, c.io, cleanEnv(env)));
}
