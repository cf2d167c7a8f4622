// `gatehouse audit export --since <time> [--until <time>] [--out <file>]`: the tenant's system log
// (docs/systemlog.md) as OCSF JSON lines, in the log's order; to stdout, or to a file (gzip when
// its name ends in .gz). The file is written whole or not at all: a temporary file is renamed at the end.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Command } from 'commander';
import { invalidArgument } from '../lib/errors.ts';
import { cliPath } from './context.ts';
import type { CliKit } from './import.ts';

function timeOf(text: string | undefined, option: string): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(d.getTime())) {
    throw invalidArgument(`${option}: "${text}" is not a time (RFC 3339, e.g. 2026-12-01T00:00:00Z, or a date)`);
  }
  return d;
}

export function addAuditCommands(program: Command, kit: CliKit, out: (text: string) => void): void {
  const audit = program.command('audit').description('the system log');
  audit
    .command('export')
    .description('write the system log as OCSF JSON lines, oldest first (gzip when --out ends in .gz)')
    .requiredOption('--since <time>', 'events at or after this time (RFC 3339 or a date)')
    .option('--until <time>', 'events before this time')
    .option('--out <file>', 'write to this file instead of stdout')
    .addOption(kit.tenantOption())
    .action(async (opt: { since: string; until?: string; out?: string; tenant?: string }) =>
      kit.withCore(async (core) => {
        const since = timeOf(opt.since, '--since') as Date;
        const until = timeOf(opt.until, '--until');
        const tenant = await kit.tenantOf(core, opt);
        const events = core.services.systemLog.export(tenant.id, since, until);
        let n = 0;
        const lines = async function* () {
          for await (const e of events) {
            n++;
            yield `${JSON.stringify(e)}\n`;
          }
        };
        if (!opt.out) {
          for await (const line of lines()) out(line);
          return;
        }
        const file = cliPath(opt.out);
        const tmp = `${file}.${process.pid}.tmp`;
        try {
          const sink = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
          await (file.endsWith('.gz')
            ? pipeline(Readable.from(lines()), createGzip(), sink)
            : pipeline(Readable.from(lines()), sink));
          await rename(tmp, file);
        } catch (err) {
          await rm(tmp, { force: true });
          throw err;
        }
        kit.progress(`${n} event${n === 1 ? '' : 's'} written to ${opt.out}`);
      }),
    );
}
