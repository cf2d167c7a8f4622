// Where clients reach the server: the host in client ids (`<id>@<host>/pcc`), the URL
// of the start-up line and the names accepted as the `aud` of client assertions, all
// from one rule. C1's Go tools (Go SDK, cone, Terraform) take the server from the
// client id and read a host without a dot as a C1 tenant name (`<name>.conductor.one`),
// so a dotless tenant domain such as the default `localhost` cannot be that host.
import { isIP } from 'node:net';
import type { Config } from '../../config.ts';

export type AddressConfig = Pick<Config, 'publicHost' | 'publicPort' | 'tlsCert' | 'tlsAuto'>;

/** What client ids name when neither GATEHOUSE_PUBLIC_HOST nor the tenant domain will do: this machine. */
export const LOOPBACK_HOST = '127.0.0.1';
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/** The host without its port (`[::1]:8443` → `::1`). */
export function hostName(hostPort: string): string {
  const h = hostPort.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  if (isIP(h) === 6) return h;
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** Whether C1's Go tools treat the host as a server (it has a dot or is an IP) rather than as a C1 tenant name. */
export function goToolsCanUse(hostPort: string): boolean {
  const h = hostName(hostPort);
  return h.includes('.') || isIP(h) !== 0;
}

/**
 * The host a tenant's clients reach the server at: GATEHOUSE_PUBLIC_HOST when set; else
 * the tenant domain when Go tools can use it (a domain stored with a port, from before
 * ports were refused, keeps it); else the loopback address.
 */
function hostFor(cfg: AddressConfig, tenantDomain: string): { host: string; hasPort: boolean } {
  if (cfg.publicHost) return { host: cfg.publicHost, hasPort: false };
  const domain = tenantDomain.trim().toLowerCase();
  if (goToolsCanUse(domain)) return { host: domain, hasPort: hostName(domain) !== domain && !domain.endsWith(']') };
  return { host: LOOPBACK_HOST, hasPort: false };
}

const isTls = (cfg: AddressConfig) => Boolean(cfg.tlsCert) || cfg.tlsAuto || cfg.publicPort === 443;

/** `host[:port]` of the public URL: the port is left out when it is the scheme's default. */
export function clientIdHost(cfg: AddressConfig, tenantDomain: string): string {
  const { host, hasPort } = hostFor(cfg, tenantDomain);
  if (hasPort) return host;
  const h = isIP(host) === 6 ? `[${host}]` : host;
  return cfg.publicPort === (isTls(cfg) ? 443 : 80) ? h : `${h}:${cfg.publicPort}`;
}

/** The URL clients of the tenant should use (`serverURL` of the SDKs). */
export function publicUrl(cfg: AddressConfig, tenantDomain: string): string {
  return `${isTls(cfg) ? 'https' : 'http'}://${clientIdHost(cfg, tenantDomain)}`;
}

/** Names accepted as an assertion's `aud`; the loopback names stand for each other. */
export function audiences(cfg: AddressConfig, names: string[]): Set<string> {
  const set = new Set(names.filter(Boolean).map(hostName));
  if (cfg.publicHost) set.add(cfg.publicHost);
  if (LOOPBACK.some((l) => set.has(l))) for (const l of LOOPBACK) set.add(l);
  return set;
}

/** The host part of a client id (`<id>@<host>/pcc`). */
export function clientIdHostOf(clientId: string): string {
  const at = clientId.lastIndexOf('@');
  const slash = clientId.lastIndexOf('/');
  return at === -1 ? '' : clientId.slice(at + 1, slash > at ? slash : undefined);
}

/** A warning when C1's Go-based tools cannot reach the tenant's server by the names configured, saying what to set. */
export function goToolsWarning(cfg: AddressConfig, tenantDomain: string): string | undefined {
  const tools = "C1's Go-based tools (Go SDK, cone, Terraform)";
  if (cfg.publicHost && !goToolsCanUse(cfg.publicHost)) {
    return (
      `GATEHOUSE_PUBLIC_HOST "${cfg.publicHost}" has no dot: ${tools} read such a host as a C1 tenant name ` +
      `(${cfg.publicHost}.conductor.one) and will not reach Gatehouse; set GATEHOUSE_PUBLIC_HOST to a host name ` +
      'with a dot or an IP address'
    );
  }
  if (!cfg.publicHost && !goToolsCanUse(tenantDomain)) {
    return (
      `tenant "${tenantDomain}" has no dot in its domain: ${tools} read such a host as a C1 tenant name ` +
      `(${hostName(tenantDomain)}.conductor.one) and will not reach Gatehouse by it, so its client ids use ` +
      `${clientIdHost(cfg, tenantDomain)}, which reaches this machine only; for other machines set ` +
      'GATEHOUSE_PUBLIC_HOST to a host name with a dot or an IP address they reach'
    );
  }
  return undefined;
}
