// What `serve` needs for HTTPS: the configured PEM files, or (GATEHOUSE_TLS=auto) the
// local CA's server certificate, made or reissued for the public host first.
import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { clientIdHost, hostName } from '../modules/clients/public-address.ts';
import { ensureLocalTls } from './local-ca.ts';

export type ServerTls = { https?: { cert: string; key: string }; caFile?: string; reissued?: boolean };

/** The names the local server certificate must cover: the default tenant's public host and GATEHOUSE_PUBLIC_HOSTS. */
export const localTlsHosts = (config: Config): string[] => [
  hostName(clientIdHost(config, config.tenantDomain)),
  ...config.publicHosts,
];

export async function serverTls(config: Config): Promise<ServerTls> {
  if (config.tlsCert && config.tlsKey) {
    return { https: { cert: readFileSync(config.tlsCert, 'utf8'), key: readFileSync(config.tlsKey, 'utf8') } };
  }
  if (!config.tlsAuto) return {};
  const r = await ensureLocalTls(config.dataDir, localTlsHosts(config), { renew: true });
  return {
    https: { cert: readFileSync(r.files.cert, 'utf8'), key: readFileSync(r.files.key, 'utf8') },
    caFile: r.files.caCert,
    reissued: r.wrote !== 'nothing',
  };
}
