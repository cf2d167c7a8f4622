// A client's allowSourceCidr: the addresses its token requests may come from. Each entry is
// a CIDR (`10.0.0.0/8`, `2001:db8::/32`) or a single address; Node's BlockList does the
// matching (it also matches IPv4 rules against IPv4-mapped IPv6 addresses, `::ffff:10.1.2.3`).
import { BlockList, isIP } from 'node:net';

type Range = { address: string; prefix: number; family: 'ipv4' | 'ipv6' };

/** One entry as a range; undefined when it is neither a CIDR nor an address. */
export function parseSource(text: string): Range | undefined {
  const [address, bits, extra] = text.trim().split('/');
  const v = isIP(address ?? '');
  if (v === 0 || extra !== undefined) return undefined;
  const max = v === 4 ? 32 : 128;
  if (bits !== undefined && !/^[0-9]{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  return prefix <= max ? { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' } : undefined;
}

/** The entries trimmed; a 400-worthy message naming the first bad one (`field[i]`), or the list. */
export function checkSources(list: readonly string[], field: string): { error: string } | { sources: string[] } {
  const sources = list.map((s) => s.trim());
  const bad = sources.findIndex((s) => parseSource(s) === undefined);
  if (bad !== -1) return { error: `${field}[${bad}]: "${list[bad]}" is not an IPv4 or IPv6 CIDR or address` };
  return { sources: [...new Set(sources)] };
}

/** Whether the address is in one of the ranges; an empty list allows every address. */
export function sourceAllowed(ranges: readonly string[], ip: string): boolean {
  if (ranges.length === 0) return true;
  const family = isIP(ip);
  if (family === 0) return false;
  const list = new BlockList();
  for (const text of ranges) {
    const r = parseSource(text);
    if (r) list.addSubnet(r.address, r.prefix, r.family);
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
