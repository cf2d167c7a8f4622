// Builds c1z files for tests: baton's tables in a SQLite made with sql.js, `data` columns encoded
// with @bufbuild/protobuf's BinaryWriter by the README's field numbers, then the C1ZF header
// and a zstd stream (@bokuweb/zstd-wasm: fzstd only inflates).
import { compress, init } from '@bokuweb/zstd-wasm';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import initSqlJs, { type SqlValue } from 'sql.js';

/** baton's sample files (shared/ sits beside the repository). */
export const SAMPLES = new URL('../../../../../shared/baton/samples/', import.meta.url).pathname;

const LD = WireType.LengthDelimited;
const VARINT = WireType.Varint;

export const pb = (write: (w: BinaryWriter) => void): Uint8Array => {
  const w = new BinaryWriter();
  write(w);
  return w.finish();
};

export const anyPb = (type: string, value: Uint8Array) =>
  pb((w) => w.tag(1, LD).string(`type.googleapis.com/c1.connector.v2.${type}`).tag(2, LD).bytes(value));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function valuePb(v: Json): Uint8Array {
  return pb((w) => {
    if (v === null) w.tag(1, VARINT).int32(0);
    else if (typeof v === 'number') w.tag(2, WireType.Bit64).double(v);
    else if (typeof v === 'string') w.tag(3, LD).string(v);
    else if (typeof v === 'boolean') w.tag(4, VARINT).bool(v);
    else if (Array.isArray(v))
      w.tag(6, LD).bytes(
        pb((l) => {
          for (const x of v) l.tag(1, LD).bytes(valuePb(x));
        }),
      );
    else w.tag(5, LD).bytes(structPb(v));
  });
}

export const structPb = (obj: { [k: string]: Json }) =>
  pb((w) => {
    for (const [k, v] of Object.entries(obj)) w.tag(1, LD).bytes(pb((e) => e.tag(1, LD).string(k).tag(2, LD).bytes(valuePb(v))));
  });

const timestampPb = (seconds: number, nanos = 0) => pb((w) => w.tag(1, VARINT).int64(seconds).tag(2, VARINT).int32(nanos));
const resourceIdPb = (type: string, id: string) => pb((w) => w.tag(1, LD).string(type).tag(2, LD).string(id));

export type UserTraitSpec = {
  emails?: { address: string; primary?: boolean }[];
  status?: number;
  statusDetails?: string;
  profile?: { [k: string]: Json };
  accountType?: number;
  login?: string;
  loginAliases?: string[];
  createdAtSeconds?: number;
  givenName?: string;
  familyName?: string;
  employeeIds?: string[];
};

export const userTraitPb = (u: UserTraitSpec) =>
  pb((w) => {
    for (const e of u.emails ?? [])
      w.tag(1, LD).bytes(pb((m) => m.tag(1, LD).string(e.address).tag(2, VARINT).bool(!!e.primary)));
    if (u.status !== undefined)
      w.tag(2, LD).bytes(
        pb((s) =>
          s
            .tag(1, VARINT)
            .int32(u.status!)
            .tag(2, LD)
            .string(u.statusDetails ?? ''),
        ),
      );
    if (u.profile) w.tag(3, LD).bytes(structPb(u.profile));
    if (u.accountType !== undefined) w.tag(5, VARINT).int32(u.accountType);
    if (u.login !== undefined) w.tag(6, LD).string(u.login);
    for (const a of u.loginAliases ?? []) w.tag(7, LD).string(a);
    if (u.createdAtSeconds !== undefined) w.tag(8, LD).bytes(timestampPb(u.createdAtSeconds, 5_000_000));
    if (u.givenName !== undefined)
      w.tag(12, LD).bytes(
        pb((n) =>
          n
            .tag(1, LD)
            .string(u.givenName!)
            .tag(2, LD)
            .string(u.familyName ?? ''),
        ),
      );
    for (const e of u.employeeIds ?? []) w.tag(13, LD).string(e);
  });

export type ResourceSpec = {
  type: string;
  id: string;
  displayName?: string;
  description?: string;
  parent?: { type: string; id: string };
  status?: number;
  createdAtSeconds?: number;
  user?: UserTraitSpec;
  /** Extra annotations (Any bytes). */
  annotations?: Uint8Array[];
};

export type GrantSpec = {
  entitlement: string;
  entitlementResource: { type: string; id: string };
  principal: { type: string; id: string };
  expandable?: { entitlementIds: string[]; shallow?: boolean; resourceTypeIds?: string[] };
  /** Put GrantExpandable in the newer `expansion` column instead of the data's annotations. */
  expandableInColumn?: boolean;
  sources?: Record<string, boolean>;
  immutableSourceId?: string;
};

export const expandablePb = (x: NonNullable<GrantSpec['expandable']>) =>
  pb((w) => {
    for (const id of x.entitlementIds) w.tag(1, LD).string(id);
    if (x.shallow) w.tag(2, VARINT).bool(true);
    for (const t of x.resourceTypeIds ?? []) w.tag(3, LD).string(t);
  });

type Row = { table: string; values: Record<string, SqlValue> };

/** Baton's v1 tables, as many columns as an option asks for. */
export class C1zBuilder {
  private readonly rows: Row[] = [];
  constructor(private readonly opts: { syncType?: boolean; expansionColumn?: boolean; omit?: string[] } = {}) {}

  sync(syncId: string, startedAt: string, endedAt?: string, type = 'full'): this {
    const values: Record<string, SqlValue> = {
      sync_id: syncId,
      started_at: startedAt,
      ended_at: endedAt ?? null,
      sync_token: '',
    };
    if (this.opts.syncType !== false) values.sync_type = type;
    this.rows.push({ table: 'v1_sync_runs', values });
    return this;
  }

  resourceType(syncId: string, id: string, traits: number[] = [], displayName = id): this {
    const data = pb((w) => {
      w.tag(1, LD).string(id).tag(2, LD).string(displayName);
      if (traits.length)
        w.tag(3, LD).bytes(
          pb((p) => {
            for (const t of traits) p.int32(t);
          }),
        );
      w.tag(5, LD).string(`${displayName} things`);
    });
    return this.row('v1_resource_types', syncId, { external_id: id, data });
  }

  resource(syncId: string, r: ResourceSpec): this {
    const data = pb((w) => {
      w.tag(1, LD).bytes(resourceIdPb(r.type, r.id));
      if (r.parent) w.tag(2, LD).bytes(resourceIdPb(r.parent.type, r.parent.id));
      w.tag(3, LD).string(r.displayName ?? r.id);
      if (r.user) w.tag(4, LD).bytes(anyPb('UserTrait', userTraitPb(r.user)));
      for (const a of r.annotations ?? []) w.tag(4, LD).bytes(a);
      if (r.description) w.tag(5, LD).string(r.description);
      if (r.status !== undefined) w.tag(11, LD).bytes(pb((s) => s.tag(1, VARINT).int32(r.status!)));
      if (r.createdAtSeconds !== undefined) w.tag(12, LD).bytes(timestampPb(r.createdAtSeconds));
    });
    return this.row('v1_resources', syncId, {
      resource_type_id: r.type,
      external_id: `${r.type}:${r.id}`,
      parent_resource_type_id: r.parent?.type ?? null,
      parent_resource_id: r.parent?.id ?? null,
      data,
    });
  }

  entitlement(
    syncId: string,
    type: string,
    id: string,
    slug: string,
    extra: { purpose?: number; grantableTo?: string[] } = {},
  ): this {
    const entId = `${type}:${id}:${slug}`;
    const data = pb((w) => {
      w.tag(1, LD).bytes(pb((r) => r.tag(1, LD).bytes(resourceIdPb(type, id))));
      w.tag(2, LD).string(entId).tag(3, LD).string(slug).tag(4, LD).string(`${slug} of ${id}`);
      for (const g of extra.grantableTo ?? []) w.tag(5, LD).bytes(pb((t) => t.tag(1, LD).string(g)));
      if (extra.purpose !== undefined) w.tag(7, VARINT).int32(extra.purpose);
      w.tag(8, LD).string(slug);
    });
    return this.row('v1_entitlements', syncId, { resource_type_id: type, resource_id: id, external_id: entId, data });
  }

  grant(syncId: string, g: GrantSpec): this {
    const id = `${g.entitlement}:${g.principal.type}:${g.principal.id}`;
    const data = pb((w) => {
      w.tag(3, LD).string(id);
      if (g.expandable && !g.expandableInColumn) w.tag(4, LD).bytes(anyPb('GrantExpandable', expandablePb(g.expandable)));
      if (g.immutableSourceId !== undefined) {
        w.tag(4, LD).bytes(
          anyPb(
            'GrantImmutable',
            pb((i) => i.tag(1, LD).string(g.immutableSourceId!)),
          ),
        );
      }
      const sources = Object.entries(g.sources ?? {});
      if (sources.length) {
        w.tag(5, LD).bytes(
          pb((s) => {
            for (const [k, direct] of sources) {
              s.tag(1, LD).bytes(
                pb((e) =>
                  e
                    .tag(1, LD)
                    .string(k)
                    .tag(2, LD)
                    .bytes(pb((v) => v.tag(1, VARINT).bool(direct))),
                ),
              );
            }
          }),
        );
      }
    });
    const values: Record<string, SqlValue> = {
      resource_type_id: g.entitlementResource.type,
      resource_id: g.entitlementResource.id,
      entitlement_id: g.entitlement,
      principal_resource_type_id: g.principal.type,
      principal_resource_id: g.principal.id,
      external_id: id,
      data,
    };
    if (this.opts.expansionColumn) values.expansion = g.expandable && g.expandableInColumn ? expandablePb(g.expandable) : null;
    return this.row('v1_grants', syncId, values);
  }

  /** A row with raw values, e.g. a `data` that is not a protobuf. */
  raw(table: string, values: Record<string, SqlValue>): this {
    this.rows.push({ table, values });
    return this;
  }

  private row(table: string, syncId: string, values: Record<string, SqlValue>): this {
    this.rows.push({ table, values: { ...values, sync_id: syncId, discovered_at: '2026-01-01 00:00:00' } });
    return this;
  }

  async sqlite(): Promise<Uint8Array> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    const tables: Record<string, string> = {
      v1_resource_types: 'external_id text not null, data blob not null',
      v1_resources:
        'resource_type_id text not null, external_id text not null, parent_resource_type_id text, parent_resource_id text, data blob not null',
      v1_entitlements: 'resource_type_id text not null, resource_id text not null, external_id text not null, data blob not null',
      v1_grants: `resource_type_id text not null, resource_id text not null, entitlement_id text not null,
        principal_resource_type_id text not null, principal_resource_id text not null, external_id text not null,
        ${this.opts.expansionColumn ? 'expansion blob, needs_expansion integer not null default 0,' : ''} data blob not null`,
    };
    for (const [name, cols] of Object.entries(tables)) {
      if (this.opts.omit?.includes(name)) continue;
      db.run(`CREATE TABLE ${name} (id integer primary key, ${cols}, sync_id text not null, discovered_at datetime not null)`);
    }
    db.run(`CREATE TABLE v1_sync_runs (id integer primary key, sync_id text not null, started_at datetime not null,
      ended_at datetime, sync_token text not null ${this.opts.syncType === false ? '' : ", sync_type text not null default 'full'"})`);
    // One transaction and one prepared statement per column list: a million rows take seconds, not minutes (the bench's big sync).
    const statements = new Map<string, ReturnType<typeof db.prepare>>();
    db.run('BEGIN');
    for (const { table, values } of this.rows) {
      const cols = Object.keys(values);
      const text = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
      let st = statements.get(text);
      if (!st) {
        st = db.prepare(text);
        statements.set(text, st);
      }
      st.run(Object.values(values));
    }
    for (const st of statements.values()) st.free();
    db.run('COMMIT');
    const bytes = db.export();
    db.close();
    return bytes;
  }

  async c1z(): Promise<Uint8Array> {
    return c1zOf(await this.sqlite());
  }
}

let zstdReady: Promise<void> | undefined;

/** The C1ZF header and a zstd stream (no checksum: @bokuweb/zstd-wasm's default frame). */
export async function c1zOf(payload: Uint8Array): Promise<Uint8Array> {
  zstdReady ??= init();
  await zstdReady;
  const z = compress(payload, 3);
  const out = new Uint8Array(5 + z.length);
  out.set(new TextEncoder().encode('C1ZF\0'));
  out.set(z, 5);
  return out;
}

/**
 * A zstd bomb: one frame of `blocks` RLE blocks of 128 KiB each (4 bytes apiece on the wire),
 * e.g. 524,288 blocks = 2 MiB that inflate to 64 GiB.
 */
export function zstdBomb(blocks: number): Uint8Array {
  const out = new Uint8Array(5 + 4 + 2 + blocks * 4);
  out.set(new TextEncoder().encode('C1ZF\0'));
  out.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58], 5); // magic; no checksum/size; window 2^21
  let at = 11;
  for (let i = 0; i < blocks; i++) {
    const header = (i === blocks - 1 ? 1 : 0) | (1 << 1) | ((128 * 1024) << 3);
    out.set([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x41], at);
    at += 4;
  }
  return out;
}
