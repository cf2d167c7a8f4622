// Where a CLI command runs. A command forwarded to a server runs inside the
// server's process, whose cwd is not the user's: file arguments resolve
// against the cwd the CLI sent, kept per command (commands run concurrently).
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';

const context = new AsyncLocalStorage<{ cwd: string }>();

export function runInCwd<T>(cwd: string, fn: () => Promise<T>): Promise<T> {
  return context.run({ cwd }, fn);
}

/** A path the user typed, made absolute against the user's cwd. Importers open files through this. */
export function cliPath(p: string): string {
  return path.resolve(context.getStore()?.cwd ?? process.cwd(), p);
}
