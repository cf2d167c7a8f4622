// Runs a command in the CLI's own process: the database is opened here. On
// PGlite, main.ts has locked the data dir (see lock.ts) and the lock is released
// here at the end, unless `serve` took it over.
import type { Config } from '../config.ts';
import type { Core } from '../core.ts';
import type { CliIo } from './admin.ts';
import type { Lock } from './lock.ts';
import { runProgram } from './program.ts';
import { tlsInit } from './tls.ts';

export async function runLocal(config: Config, argv: string[], io: CliIo, lock?: Lock): Promise<number> {
  // Loaded on first use: help and usage errors need neither the database nor the HTTP stack.
  const withCore = async <T>(fn: (core: Core) => Promise<T>): Promise<T> => {
    const { createCore } = await import('../core.ts');
    const core = await createCore(config);
    try {
      return await fn(core);
    } finally {
      await core.close();
    }
  };
  let serving = false;
  try {
    const { code, error } = await runProgram(argv, withCore, io, {
      async serve() {
        const { serve } = await import('../server.ts');
        await serve(config, lock);
        serving = true;
      },
      migrate: (print) =>
        withCore(async (core) => print({ migrated: core.database.location, applied: core.migrations?.applied ?? 0 })),
      tlsInit: (opt) => tlsInit(config, io, opt),
    });
    if (error && process.env.LOG_LEVEL === 'debug') io.err(`${error.stack}\n`);
    return code;
  } finally {
    if (!serving) lock?.release();
  }
}
