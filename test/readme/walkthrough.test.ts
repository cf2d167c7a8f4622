// The README walk-through, step by step (scripts/walkthrough-steps.ts): the same
// steps run in-process (CLI commands through the commander program, curl calls as
// HTTP requests to a real server) and their answers are checked. The README's
// commands must be those steps' commands (ids, secrets and ports aside):
// `npx tsx scripts/walkthrough.ts --write` regenerates it from a real run.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Entry, type Exec, walkthrough } from '../../scripts/walkthrough-steps.ts';
import { runProgram } from '../../src/cli/program.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Commands with what changes from run to run replaced by placeholders. */
const normalize = (cmd: string) =>
  cmd
    .replace(/secret-token:conductorone\.com:v1:[A-Za-z0-9_-]+/g, '<secret>')
    .replace(/[a-z]+-[a-z]+-\d+@[A-Za-z0-9.:-]+\/pcc/g, '<client id>')
    .replace(/eyJ[A-Za-z0-9_.-]+/g, '<token>')
    .replace(/\b[0-9A-Za-z]{27}\b/g, '<id>')
    .replace(/localhost:\d+/g, 'localhost:<port>');

/** The `$ ` commands of the README's generated walk-through, continuation lines joined. */
function readmeCommands(): string[] {
  const a = README.indexOf('<!-- walkthrough:start');
  const b = README.indexOf('<!-- walkthrough:end -->');
  expect(a).toBeGreaterThan(0);
  expect(b).toBeGreaterThan(a);
  const cmds: string[] = [];
  let open = false;
  for (const line of README.slice(a, b).split('\n')) {
    if (line.startsWith('$ ')) cmds.push(line.slice(2));
    else if (open) cmds[cmds.length - 1] += `\n${line}`;
    else continue;
    open = line.endsWith('\\');
  }
  return cmds;
}

describe.each(backends)('README walk-through on %s', (backend) => {
  let s: TestServer;
  let transcript: Entry[];
  let answers: Awaited<ReturnType<typeof walkthrough>>['answers'];

  beforeAll(async () => {
    s = await startServer(backend);
    const exec: Exec = {
      async cli(argv, { tty }) {
        const out: string[] = [];
        const err: string[] = [];
        const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTTY: tty };
        const r = await runProgram(argv, (fn) => fn(s.core), io);
        if (r.code !== 0) throw new Error(`gatehouse ${argv.join(' ')}: exit ${r.code}\n${err.join('')}`);
        return out.join('');
      },
      async http(req) {
        const headers: Record<string, string> = {};
        if (req.token && !req.form) headers.authorization = `Bearer ${req.token}`;
        let body: string | undefined;
        if (req.form) {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = new URLSearchParams(req.form).toString();
        } else if (req.json !== undefined) {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(req.json);
        }
        return (await fetch(s.url + req.path, { method: req.method, headers, body })).text();
      },
    };
    ({ transcript, answers } = await walkthrough(exec, 'http://localhost:8080'));
  });
  afterAll(async () => s?.close());

  it('creates a client and gets a token with its secret', () => {
    expect(answers.client.clientId).toMatch(/^[a-z]+-[a-z]+-\d+@127\.0\.0\.1:8080\/pcc$/);
    expect(answers.token).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(answers.token.access_token.split('.').length).toBe(3);
  });

  it('creates a user, an app, a resource type, the manually managed resource and an entitlement on it', () => {
    expect(answers.user).toMatchObject({ email: 'ada@example.com', displayName: 'Ada Lovelace', status: 'ENABLED' });
    expect(answers.app).toMatchObject({ displayName: 'Payroll', isManuallyManaged: true });
    expect(answers.resourceType).toMatchObject({ appId: answers.app.id, displayName: 'Role', traitIds: ['ROLE'] });
    expect(answers.resource).toMatchObject({
      appId: answers.app.id,
      appResourceTypeId: answers.resourceType.id,
      displayName: 'Payroll admin',
      description: 'Runs the monthly payroll',
    });
    expect(answers.entitlement).toMatchObject({
      appId: answers.app.id,
      appResourceId: answers.resource.id,
      appResourceTypeId: answers.resourceType.id,
      slug: 'admin',
    });
  });

  it('grants it, shows who has it, revokes it, and the history has the grant', () => {
    expect(answers.grant).toEqual({ failedUsersErrorMap: {} });
    const [header, row, rest] = answers.grantsTable.split('\n');
    expect(header).toMatch(/^USER +ENTITLEMENT +GRANTED +EXPIRES +APP USER +ENTITLEMENT ID$/);
    expect(row).toMatch(/^ada@example\.com +Payroll admin +\S+ +never +\w{27} +\w{27}$/);
    expect(rest).toBe('');
    expect(answers.appUserId).toMatch(/^\w{27}$/);
    expect(row.endsWith(answers.entitlement.id)).toBe(true);
    expect(answers.revoke).toEqual({});
    expect(answers.grantsAfter).toBe('(none)\n');
    expect(answers.history.list).toHaveLength(1);
    const h = answers.history.list[0].history;
    expect(h).toMatchObject({ appId: answers.app.id, appEntitlementId: answers.entitlement.id, appUserId: answers.appUserId });
    expect(Date.parse(h.grantedAt)).toBeLessThanOrEqual(Date.parse(h.revokedAt));
  });

  it("the README's walk-through has these commands (regenerate it with scripts/walkthrough.ts --write)", () => {
    const ours = transcript.flatMap((e) => e.commands).map(normalize);
    expect(readmeCommands().map(normalize)).toEqual(['npm start', ...ours]);
  });
});
