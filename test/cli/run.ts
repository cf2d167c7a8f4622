// The `gatehouse` commander program in this process, on an in-memory database:
// what a CLI command prints and returns, without spawning a process.
import { runProgram } from '../../src/cli/program.ts';
import { loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core.ts';
import { ownDatabase, TEST_PGLITE_ENV } from '../helpers/infra.ts';
import { type Backend, freshPostgres } from '../helpers/server.ts';
import { cliResult } from './proc.ts';

export type Run = {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed command output, checked by the tests
  json(): any;
};

export type InProcessCli = {
  core: Core;
  /** Runs one command line; `tty` makes stdout look like a terminal. */
  run(argv: string[], opts?: { tty?: boolean }): Promise<Run>;
  close(): Promise<void>;
};

/** The program on a fresh database: in-memory PGlite, or a new PostgreSQL database (TEST_DATABASE_URL). */
export async function inProcessCli(backend: Backend = 'pglite'): Promise<InProcessCli> {
  const pg = backend === 'postgres' ? await freshPostgres() : undefined;
  const env = { ...TEST_PGLITE_ENV, GATEHOUSE_TENANT_DOMAIN: 'localhost', PORT: '8080', ...(pg ? { DATABASE_URL: pg.url } : {}) };
  const core = await createCore(loadConfig(env), await ownDatabase(!pg));
  return {
    core,
    async run(argv, opts = {}) {
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s), isTTY: opts.tty === true };
      const { code, error } = await runProgram(argv, (fn) => fn(core), io);
      const stdout = out.join('');
      const stderr = err.join('');
      if (error) throw error; // an unexpected failure is a bug, not an answer to check
      return { ...cliResult(argv, code, stdout, stderr), code };
    },
    async close() {
      await core.close();
      await pg?.drop();
    },
  };
}

/** Checks the exit code, showing the output when it is not the expected one. */
export function expectExit(r: Run, code: number): Run {
  if (r.code !== code) throw new Error(`exit ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}
