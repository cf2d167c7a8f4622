// C1's webhooks: the tenant's destinations (WebhooksService, WebhooksSearch) and their
// instances. An instance is written in the transaction of the change that causes it (`enqueue`,
// `test`); the delivery worker (worker.ts) sends it (`attempt`) and records the answer; other
// modules learn answers through the handler they register for their source (`onOutcome`).

import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { displayNameOf, iso, orUndef } from '../../http/schemas.ts';
import { recordCreated } from '../../lib/activity.ts';
import { positiveDurationMs } from '../../lib/duration.ts';
import { ApiError, invalidArgument, notFound } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { columnsToSet, fieldsToUpdate } from '../../lib/update-mask.ts';
import { publicUrl } from '../clients/public-address.ts';
import type { TenantsService } from '../tenants/service.ts';
import { checkDestination } from './destination.ts';
import { sha256, WebhookKeys } from './keys.ts';
import {
  type CreateWebhookRequest,
  type SearchWebhooksRequest,
  WEBHOOK_READ_ONLY,
  WEBHOOK_WRITABLE,
  type Webhook,
  type WebhookInput,
  type WebhookInstance,
  type WebhookWritable,
} from './schemas.ts';
import { type Attempt, post } from './sender.ts';
import * as store from './store.ts';

/** C1's default callbackTimeout: 8 days. */
export const DEFAULT_CALLBACK_TIMEOUT_MS = 8 * 24 * 3600 * 1000;
/** Attempts before an instance that keeps failing ends in WEBHOOK_STATE_FATAL_ERROR. */
export const MAX_ATTEMPTS = 50;
export const ANY_PREFIX = 'type.googleapis.com/';

export type InstanceRow = store.InstanceRow;
/** What a receiver decided (its 2xx body or callback body), or why no decision will come. */
export type Outcome = { answer: Record<string, unknown> } | { failed: string };
/** Runs in the transaction that records the outcome; an ApiError refuses the answer (400 to a callback). */
export type OutcomeHandler = (tx: Db, instance: InstanceRow, outcome: Outcome) => Promise<void>;
export type SourceKind = 'test' | 'approvalStep' | 'provisionStep';
/** The payload's fields at send time (the task as it is then), for sources whose object changes. */
export type PayloadBuilder = (tenantId: string, ticketId: string) => Promise<Record<string, unknown>>;

export type Enqueue = {
  webhookId: string;
  source: { kind: SourceKind; ticketId?: string };
  /** The payload's message name (`c1.webhooks.v1.PayloadTest`) and its fields. */
  type: string;
  fields: Record<string, unknown>;
};

function toWebhook(row: store.WebhookRow): Webhook {
  return {
    id: row.id,
    displayName: row.displayName,
    description: orUndef(row.description),
    url: row.url,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toInstance(row: InstanceRow): WebhookInstance {
  return {
    id: row.id,
    webhookId: row.webhookId,
    state: row.state,
    attempts: row.attempts,
    source: row.source as WebhookInstance['source'],
    spec: { destination: row.url },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastAttemptedAt: iso(row.lastAttemptedAt),
    completedAt: iso(row.completedAt),
    expiresAt: iso(row.expiresAt),
  };
}

const sourceOf = (s: Enqueue['source']) => (s.kind === 'test' ? { test: {} } : { [s.kind]: { ticketId: s.ticketId ?? '' } });
const kindOf = (row: InstanceRow) => Object.keys(row.source)[0] as SourceKind;

export class WebhooksService {
  readonly keys: WebhookKeys;
  private readonly handlers = new Map<SourceKind, OutcomeHandler>();
  private readonly payloads = new Map<SourceKind, PayloadBuilder>();
  /** Set by the delivery worker: asks it to look for due instances now. */
  wake: () => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly tenants: TenantsService,
  ) {
    this.keys = new WebhookKeys(db);
  }

  onOutcome(kind: SourceKind, handler: OutcomeHandler): void {
    this.handlers.set(kind, handler);
  }

  onPayload(kind: SourceKind, builder: PayloadBuilder): void {
    this.payloads.set(kind, builder);
  }

  /** The payload Any of an attempt: built now when the source's module says how, else as stored. */
  private async payloadOf(row: InstanceRow): Promise<Record<string, unknown>> {
    const kind = kindOf(row);
    const builder = this.payloads.get(kind);
    const ticketId = (row.source[kind] as { ticketId?: string } | undefined)?.ticketId;
    if (!builder || !ticketId) return row.payload;
    return { '@type': row.payload['@type'], ...(await builder(row.tenantId, ticketId)) };
  }

  async create(tenantId: string, req: CreateWebhookRequest): Promise<Webhook> {
    const row = await this.db.transaction(async (tx) => {
      const made = await store.insertWebhook(tx, {
        tenantId,
        id: newId(),
        displayName: displayNameOf(req.displayName),
        description: req.description,
        url: checkDestination(req.url.trim(), this.config.webhookAllowPrivate, 'url'),
        callbackTimeoutMs: req.callbackTimeout
          ? positiveDurationMs(req.callbackTimeout, 'callbackTimeout')
          : DEFAULT_CALLBACK_TIMEOUT_MS,
      });
      recordCreated('webhook', made.id);
      return made;
    });
    return toWebhook(row);
  }

  async requireRow(tenantId: string, id: string, db: Db = this.db): Promise<store.WebhookRow> {
    const row = await store.getWebhook(db, tenantId, id);
    if (!row) throw notFound('webhook');
    return row;
  }

  /** Which of these ids are webhooks of the tenant (policies check the ids their steps name). */
  async existingIds(tx: Db, tenantId: string, ids: string[]): Promise<Set<string>> {
    return new Set(await store.existingWebhookIds(tx, tenantId, ids));
  }

  async get(tenantId: string, id: string): Promise<Webhook> {
    return toWebhook(await this.requireRow(tenantId, id));
  }

  async search(tenantId: string, req: SearchWebhooksRequest, page: PageRequest): Promise<Page<Webhook>> {
    const rows = await store.listWebhooks(this.db, tenantId, { query: req.query, ids: req.refs?.map((r) => r.id) }, page);
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: p.list.map(toWebhook), nextPageToken: p.nextPageToken };
  }

  async update(tenantId: string, id: string, input: WebhookInput | undefined, mask: string | undefined): Promise<Webhook> {
    const fields = fieldsToUpdate<WebhookWritable>(mask, WEBHOOK_WRITABLE, WEBHOOK_READ_ONLY, input);
    const set = columnsToSet<WebhookWritable, store.NewWebhookRow>(fields, input, {
      displayName: (v) => ({ displayName: displayNameOf(v === undefined ? '' : String(v), 'webhook.displayName') }),
      url: (v) => ({ url: checkDestination(String(v ?? '').trim(), this.config.webhookAllowPrivate, 'webhook.url') }),
    });
    const row =
      fields.length === 0
        ? await this.requireRow(tenantId, id)
        : await this.db.transaction((tx) => store.updateWebhook(tx, tenantId, id, set));
    if (!row) throw notFound('webhook');
    return toWebhook(row);
  }

  /** Deletes the webhook and its instances (pending ones are not sent; their callbacks are refused). */
  async delete(tenantId: string, id: string): Promise<void> {
    // In a transaction, so that a refusal (404) rolls back and the system log's event commits with the delete.
    await this.db.transaction(async (tx) => {
      if (!(await store.deleteWebhook(tx, tenantId, id))) throw notFound('webhook');
    });
  }

  /** C1's Test: an instance with the Test payload, sent by the worker; answers it as created. */
  async test(tenantId: string, id: string): Promise<WebhookInstance> {
    const row = await this.db.transaction((tx) =>
      this.enqueue(tx, tenantId, { webhookId: id, source: { kind: 'test' }, type: 'c1.webhooks.v1.PayloadTest', fields: {} }),
    );
    this.wake();
    return toInstance(row);
  }

  /** Writes an instance in the caller's transaction; 404 (ApiError) for an unknown webhook. */
  async enqueue(tx: Db, tenantId: string, e: Enqueue): Promise<InstanceRow & { webhookName: string }> {
    const hook = await this.requireRow(tenantId, e.webhookId, tx);
    const row = await store.insertInstance(tx, {
      tenantId,
      id: newId(),
      webhookId: hook.id,
      url: hook.url,
      event: e.type,
      source: sourceOf(e.source),
      payload: { '@type': ANY_PREFIX + e.type, ...e.fields },
      state: 'WEBHOOK_STATE_PENDING',
      nextAttemptAt: new Date(),
      callbackTimeoutMs: hook.callbackTimeoutMs,
      callbackToken: randomBytes(32).toString('base64url'),
    });
    // The worker looks again shortly: by then the caller's transaction has usually committed.
    if (tx !== this.db) setTimeout(() => this.wake(), 20).unref();
    return { ...row, webhookName: hook.displayName };
  }

  async instance(tenantId: string, id: string, db: Db = this.db): Promise<WebhookInstance | undefined> {
    const row = await store.getInstance(db, tenantId, id);
    return row ? toInstance(row) : undefined;
  }

  /** Claims due instances for a delivery worker (see store.claimDue). */
  claim(owner: string, limit: number, leaseMs: number): Promise<InstanceRow[]> {
    return store.claimDue(this.db, owner, limit, leaseMs);
  }

  /** One claimed instance: send it (or end it when its callback deadline passed) and record what came of it. */
  async attempt(row: InstanceRow, owner: string): Promise<void> {
    if (row.state === 'WEBHOOK_STATE_WAITING_CALLBACK') {
      return this.end(row, owner, { state: 'WEBHOOK_STATE_FATAL_ERROR', lastError: 'no callback before the deadline' });
    }
    const tenant = await this.tenants.byId(row.tenantId);
    if (!tenant) return;
    const base = publicUrl(this.config, tenant.domain);
    const callbackUrl = `${base}/api/v1/webhooks/callback/${row.callbackToken}`;
    const payload = await this.payloadOf(row);
    const body = JSON.stringify({ version: 'v1', webhookId: row.id, callbackUrl, event: row.event, payload });
    const jwt = await this.keys.sign({ tenantId: row.tenantId, issuer: new URL(base).host, url: row.url, body });
    const headers = {
      authorization: `Bearer ${jwt}`,
      'content-digest': `sha-256=:${sha256(body).toString('base64')}:`,
      'webhook-version': 'v1',
      'webhook-id': row.id,
      'webhook-event': row.event,
      'webhook-callback-url': callbackUrl,
    };
    const started = new Date();
    const res = await post(row.url, headers, body, { allowPrivate: this.config.webhookAllowPrivate });
    await this.record(row, owner, res, started);
  }

  private async record(row: InstanceRow, owner: string, res: Attempt, at: Date): Promise<void> {
    const attempts = row.attempts + 1;
    const base = { attempts, lastAttemptedAt: at, lastStatus: res.status ?? null, lastError: res.error ?? null };
    const s = res.status ?? 0;
    if (s === 202) {
      const expiresAt = new Date(Date.now() + row.callbackTimeoutMs);
      await store.finishClaim(this.db, row, owner, {
        ...base,
        state: 'WEBHOOK_STATE_WAITING_CALLBACK',
        expiresAt,
        nextAttemptAt: expiresAt,
      });
      return;
    }
    if (s >= 200 && s < 300) {
      let answer: Record<string, unknown> | undefined;
      try {
        const parsed = res.body?.trim() ? JSON.parse(res.body) : {};
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) answer = parsed;
      } catch {
        // Not JSON: a bad answer.
      }
      if (!answer)
        return this.end(row, owner, { ...base, state: 'WEBHOOK_STATE_FATAL_ERROR', lastError: 'answer is not a JSON object' });
      return this.answer(row, owner, answer, base);
    }
    if (s === 410 || attempts >= MAX_ATTEMPTS) {
      const why = s === 410 ? 'the destination answered 410 Gone' : `no success after ${attempts} attempts`;
      return this.end(row, owner, { ...base, state: 'WEBHOOK_STATE_FATAL_ERROR', lastError: res.error ?? why });
    }
    const { webhookRetryMinMs: min, webhookRetryMaxMs: max } = this.config;
    const nextAttemptAt = new Date(Date.now() + min + Math.random() * (max - min));
    await store.finishClaim(this.db, row, owner, {
      ...base,
      state: 'WEBHOOK_STATE_ERROR',
      nextAttemptAt,
      lastError: res.error ?? `the destination answered ${s}`,
    });
  }

  /** A 2xx answer arrived: record it and hand it on in one transaction; an answer the source refuses ends the instance. */
  private async answer(row: InstanceRow, owner: string, answer: Record<string, unknown>, extra: Partial<store.NewInstanceRow>) {
    try {
      await this.db.transaction(async (tx) => {
        const done = await store.finishClaim(tx, row, owner, { ...extra, state: 'WEBHOOK_STATE_SUCCESS', answer, ...ended() });
        if (done) await this.handlers.get(kindOf(done))?.(tx, done, { answer });
      });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      await this.end(row, owner, {
        ...extra,
        state: 'WEBHOOK_STATE_FATAL_ERROR',
        answer,
        lastError: `bad answer: ${err.message}`,
      });
    }
  }

  private async end(row: InstanceRow, owner: string, set: Partial<store.NewInstanceRow> & { lastError: string }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const done = await store.finishClaim(tx, row, owner, { ...set, ...ended() });
      if (done) await this.handlers.get(kindOf(done))?.(tx, done, { failed: set.lastError });
    });
  }

  /** POST /api/v1/webhooks/callback/{token}: the late answer to a 202, once. */
  async callback(token: string, body: unknown): Promise<void> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('body: must be a JSON object');
    await this.db.transaction(async (tx) => {
      // Locked: two calls with one token cannot both pass.
      const locked = await store.instanceByCallback(tx, token);
      if (!locked) throw notFound('callback');
      const answer = body as Record<string, unknown>;
      await store.setInstance(tx, locked, {
        state: 'WEBHOOK_STATE_SUCCESS',
        answer,
        leaseOwner: null,
        leaseUntil: null,
        ...ended(),
      });
      await this.handlers.get(kindOf(locked))?.(tx, locked, { answer });
    });
  }
}

/** What every ended instance clears: no more attempts, no callback. */
const ended = () => ({ completedAt: new Date(), nextAttemptAt: null, callbackToken: null });
