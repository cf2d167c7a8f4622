// Shared setup for the request catalog suites: catalogs made by the admin, entitlements put in
// them, and searches as a person sees them.
import { expect } from 'vitest';
import type { Caller } from '../../helpers/server.ts';

export async function makeCatalog(c: Caller, body: Record<string, unknown> = {}) {
  const res = await c.post('/api/v1/catalogs', { displayName: `Catalog ${Math.random()}`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.requestCatalogView.requestCatalog as { id: string; displayName: string };
}

export async function addEntries(c: Caller, catalogId: string, refs: { appId: string; id: string }[], createRequests?: boolean) {
  const res = await c.post(`/api/v1/catalogs/${catalogId}/requestable_entries`, { appEntitlements: refs, createRequests });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function addAccess(c: Caller, catalogId: string, refs: { appId: string; id: string }[]) {
  const res = await c.post(`/api/v1/catalogs/${catalogId}/visibility_bindings`, { accessEntitlements: refs });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** The entitlement ids a search of the request catalog finds for the caller, sorted. */
export async function searchIds(c: Caller, body: Record<string, unknown> = {}): Promise<string[]> {
  const res = await c.post('/api/v1/search/request_catalog/entitlements', { pageSize: 100, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.list.map((x: { entitlement: { appEntitlement: { id: string } } }) => x.entitlement.appEntitlement.id).sort();
}

export async function memberCount(c: Caller, catalogId: string): Promise<string> {
  const res = await c.get(`/api/v1/catalogs/${catalogId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.requestCatalogView.memberCount;
}
