// `gatehouse sync --app <id> <file.c1z>`: applies a baton connector's sync file to an app
// (SyncService, docs/connectors.md) and prints what changed. A refused file (its C1zError reason
// leads the message), an unknown app or a failed apply exits 2 with nothing changed.
import { type Command, Option } from 'commander';
import { invalidArgument } from '../lib/errors.ts';
import { C1zError } from '../modules/connectors/c1z/errors.ts';
import type { SyncResult } from '../modules/connectors/sync.ts';
import type { CliKit } from './import.ts';
import { naming } from './output.ts';
import { remoteSync } from './remote-sync.ts';

/** The printed summary: per kind, the total in the file and what was added and removed. */
export function syncSummary(r: SyncResult) {
  const { linked, ...accounts } = r.accounts;
  return {
    sync: { id: r.sync.id, startedAt: r.sync.startedAt, endedAt: r.sync.endedAt ?? null, finished: r.sync.finished },
    resourceTypes: r.resourceTypes,
    resources: r.resources,
    entitlements: r.entitlements,
    accounts: { ...accounts, linkedToUsers: linked },
    grants: r.grants,
    ...(r.directory ? { directory: r.directory } : {}),
  };
}

export function addSyncCommand(program: Command, kit: CliKit): void {
  program
    .command('sync <file>')
    .description(
      "apply a baton connector's sync file (c1z v1) to an app: a full snapshot of its resource types, resources, " +
        'entitlements, accounts and grants; what an earlier sync made and this one lacks is removed',
    )
    .requiredOption('--app <id>', 'app id')
    .addOption(kit.tenantOption())
    .option('--server <url>', "upload to this running server (its connector's /sync route) instead of opening the database")
    .option('--connector <id>', 'with --server: the connector the file is uploaded to')
    .addOption(new Option('--client-id <id>', 'with --server: a client id (a connector credential)').env('GATEHOUSE_CLIENT_ID'))
    .addOption(new Option('--client-secret <secret>', 'with --server: its secret').env('GATEHOUSE_CLIENT_SECRET'))
    .action(async (file: string, opt: SyncOptions) => {
      if (opt.server !== undefined) {
        if (!opt.connector) throw invalidArgument('--connector <id> is required with --server');
        kit.print(await remoteSync({ ...opt, server: opt.server, connector: opt.connector, file }));
        return;
      }
      return kit.withCore(async (core) => {
        const tenant = await kit.tenantOf(core, opt);
        try {
          const result = await naming({ app: opt.app }, () => core.services.sync.apply(tenant.id, opt.app, file));
          kit.print(syncSummary(result));
        } catch (err) {
          if (err instanceof C1zError) throw new C1zError(err.reason, `${file} refused (${err.reason}): ${err.message}`);
          const code = (err as { code?: unknown }).code;
          if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES')
            throw invalidArgument(`${file}: cannot read the file (${code})`);
          throw err;
        }
      });
    });
}

type SyncOptions = {
  app: string;
  tenant?: string;
  server?: string;
  connector?: string;
  clientId?: string;
  clientSecret?: string;
};
