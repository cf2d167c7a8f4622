// Where webhooks may be sent. HTTPS to public addresses only, unless the server allows private
// destinations (GATEHOUSE_WEBHOOK_ALLOW_PRIVATE). The URL is checked when a webhook is saved,
// and the address again at every connection: `guardedLookup` resolves the name and refuses a
// private answer, and the socket connects to the address it returned, so a name that later
// resolves into the internal network (DNS rebinding) is refused too.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { invalidArgument } from '../../lib/errors.ts';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** Loopback, private, link-local, shared, multicast or unspecified (IPv4-mapped IPv6 as its IPv4). */
export function isPrivateAddress(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const family = isIP(ip);
  if (family === 0) return true;
  return blocked.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** The problem with a destination URL, or undefined when it may be used. */
export function destinationProblem(text: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (allowPrivate) return undefined;
  if (url.protocol !== 'https:') return 'must use https (plain http needs GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true)';
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isPrivateAddress(host))) {
    return 'is a private or loopback address (allowed only with GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true)';
  }
  return undefined;
}

/** The URL as stored, or a 400 naming `field`. */
export function checkDestination(text: string, allowPrivate: boolean, field: string): string {
  const problem = destinationProblem(text, allowPrivate);
  if (problem) throw invalidArgument(`${field}: ${problem}`);
  return text;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http(s).request that refuses names resolving to private addresses (unless allowed). */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused) {
        const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to the private address ${refused.address}`);
        e.code = 'EPRIVATEDESTINATION';
        return callback(e, []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
