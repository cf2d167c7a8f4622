// What `clients create` says on stderr beside the new id: whether Go-based C1 tools
// can reach the server by it, and when its port is a guess.
import type { Config } from '../config.ts';
import { clientIdHost, goToolsWarning } from '../modules/clients/public-address.ts';

/**
 * `local`: the CLI made the id in its own process (no server on this data dir, or
 * PostgreSQL), so the port is the one `serve` would listen on with this configuration,
 * not one a running server reported.
 */
export function clientNotes(config: Config, tenantDomain: string, local: boolean): string[] {
  const notes: string[] = [];
  const warning = goToolsWarning(config, tenantDomain);
  if (warning) notes.push(`warning: ${warning}`);
  if (local && !config.publicPortSet) {
    const source = process.env.PORT ? `PORT=${config.port}` : `PORT unset: ${config.port}`;
    notes.push(
      `note: no running server was asked, so the client id names ${clientIdHost(config, tenantDomain)} with the ` +
        `port \`gatehouse serve\` would listen on here (${source}); set GATEHOUSE_PUBLIC_PORT if clients reach ` +
        'the server at another port',
    );
  }
  return notes;
}
