// Small c1z files the connector tests share.
import { C1zBuilder } from './c1z/build.ts';

/** A sync of one account holding one group membership (`members` more accounts when asked). */
export function tinySync(opts: { accounts?: string[] } = {}): Promise<Uint8Array> {
  const b = new C1zBuilder()
    .sync('s', '2026-01-01', '2026-01-02')
    .resourceType('s', 'user', [1], 'User')
    .resourceType('s', 'group', [2], 'Group')
    .resource('s', { type: 'group', id: 'g', displayName: 'Group G' })
    .entitlement('s', 'group', 'g', 'member', { purpose: 1 });
  for (const id of opts.accounts ?? ['u1']) {
    b.resource('s', { type: 'user', id, displayName: `User ${id}`, user: { emails: [{ address: `${id}@example.com` }] } });
    b.grant('s', {
      entitlement: 'group:g:member',
      entitlementResource: { type: 'group', id: 'g' },
      principal: { type: 'user', id },
    });
  }
  return b.c1z();
}
