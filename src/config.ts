// Environment → typed config, checked once at start.
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_BUFFERS_MB } from './db/pglite-memory.ts';
import { isHostName, tenantDomainProblem } from './lib/domain.ts';

/** `.gatehouse/` in the project, whatever the cwd: the server and `npx gatehouse` in a subdirectory find the same database. */
const DEFAULT_DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.gatehouse');

export type Config = {
  port: number;
  host: string;
  /** PostgreSQL URL; undefined means the embedded PGlite database. */
  databaseUrl?: string;
  dataDir: string;
  /** GATEHOUSE_PGLITE_SHARED_BUFFERS_MB: the embedded database's shared_buffers (src/db/pglite-memory.ts); undefined: PGlite's 128. */
  pgliteSharedBuffersMb?: number;
  tenantDomain: string;
  /** Port clients reach the server at; part of client ids unless 80/443. */
  publicPort: number;
  /** Whether GATEHOUSE_PUBLIC_PORT was set (otherwise the CLI guesses the server's port from PORT). */
  publicPortSet: boolean;
  /** GATEHOUSE_PUBLIC_HOST: where clients reach the server; see src/modules/clients/public-address.ts. */
  publicHost?: string;
  /** Extra host names accepted as the `aud` of client assertions. */
  publicHosts: string[];
  logLevel: string;
  /** LOG_FORMAT: pretty lines for people, JSON for machines; auto picks pretty when stdout is a terminal. */
  logFormat: 'json' | 'pretty' | 'auto';
  tokenTtlSeconds: number;
  /** How long a server may trust a cached "client not revoked" answer. */
  clientCacheSeconds: number;
  /** Interval of the background sweep that revokes expired grants. */
  sweepIntervalMs: number;
  /** How long a server's claim on a due task lasts; a task claimed by a server that died is taken again after it. */
  taskLeaseMs: number;
  statementTimeoutMs: number;
  /** GATEHOUSE_SYSTEMLOG_RETENTION_DAYS: system log events older than this are deleted in the background. */
  systemLogRetentionDays: number;
  /** GATEHOUSE_SYNC_MAX_BYTES: the largest c1z file a connector sync accepts (default 2 GiB). */
  syncMaxBytes: number;
  /** GATEHOUSE_SYNC_TIMEOUT_MS: how long a sync upload or force_sync may take, request and statements (default 30 min; 0: none). */
  syncTimeoutMs: number;
  requestTimeoutMs: number;
  poolSize: number;
  tlsCert?: string;
  tlsKey?: string;
  /** GATEHOUSE_TLS=auto: serve HTTPS with a local CA kept in the data dir (src/tls/local-ca.ts). */
  tlsAuto: boolean;
  /** How long a request may wait for a free database connection (PostgreSQL pool). */
  dbPoolTimeoutMs: number;
  /** Token requests per minute per client_id and per IP address; 0 turns a limit off. */
  tokenRatePerMinute: number;
  tokenRatePerIpPerMinute: number;
  /** Serve GET /metrics unauthenticated on this extra port (0: no metrics port). */
  metricsPort: number;
  /** Also serve GET /metrics, unauthenticated, on the main port. */
  metricsPublic: boolean;
  /** Fastify trustProxy: which X-Forwarded-* headers to believe (client IP for rate limits). */
  trustProxy: boolean | string[];
  /** Webhook destinations may be plain HTTP and private or loopback addresses (default: only with PGlite). */
  webhookAllowPrivate: boolean;
  /** Delay before a webhook is sent again after a failed attempt: random between these (3 s to 15 s). */
  webhookRetryMinMs: number;
  webhookRetryMaxMs: number;
  /** How often the delivery worker looks for due webhook deliveries (it is also woken after each enqueue). */
  webhookPollMs: number;
};

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0' || raw === 'no') return false;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/** "true" (any proxy: spoofable) or a comma-separated list of proxy addresses/CIDRs. */
function trustProxyOf(raw: string | undefined): boolean | string[] {
  const v = (raw ?? '').trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  return v
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
}

function tlsModeOf(raw: string | undefined): boolean {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '' || v === 'off') return false;
  if (v === 'auto') return true;
  throw new ConfigError(`GATEHOUSE_TLS must be auto or off, got "${raw}"`);
}

/** A host name or IP address, without scheme or port (the port is GATEHOUSE_PUBLIC_PORT). */
function publicHostOf(raw: string | undefined): string | undefined {
  const v = (raw ?? '').trim().toLowerCase();
  if (!v) return undefined;
  if (isIP(v)) return v;
  if (/^[a-z0-9.-]+:[0-9]+$/.test(v)) {
    throw new ConfigError(`GATEHOUSE_PUBLIC_HOST must not contain a port ("${raw}"); set GATEHOUSE_PUBLIC_PORT`);
  }
  if (!isHostName(v)) {
    throw new ConfigError(`GATEHOUSE_PUBLIC_HOST must be a host name or IP address, got "${raw}"`);
  }
  return v;
}

function sharedBuffersOf(env: NodeJS.ProcessEnv): number | undefined {
  const name = 'GATEHOUSE_PGLITE_SHARED_BUFFERS_MB';
  if (!env[name]) return undefined;
  const mb = int(env, name, 0, SHARED_BUFFERS_MB.min);
  if (mb > SHARED_BUFFERS_MB.max) throw new ConfigError(`${name} must be at most ${SHARED_BUFFERS_MB.max}, got "${env[name]}"`);
  return mb;
}

function logFormatOf(raw: string | undefined): Config['logFormat'] {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'json' || v === 'pretty') return v;
  throw new ConfigError(`LOG_FORMAT must be json, pretty or auto, got "${raw}"`);
}

function webhookSettings(env: NodeJS.ProcessEnv, databaseUrl: string | undefined) {
  const allowRaw = env.GATEHOUSE_WEBHOOK_ALLOW_PRIVATE;
  const webhookRetryMinMs = int(env, 'GATEHOUSE_WEBHOOK_RETRY_MIN_MS', 3000, 1);
  const webhookRetryMaxMs = int(env, 'GATEHOUSE_WEBHOOK_RETRY_MAX_MS', 15000, 1);
  if (webhookRetryMaxMs < webhookRetryMinMs) {
    throw new ConfigError('GATEHOUSE_WEBHOOK_RETRY_MAX_MS must be >= GATEHOUSE_WEBHOOK_RETRY_MIN_MS');
  }
  return {
    // Embedded mode is for local development: receivers on this machine are the common case there.
    webhookAllowPrivate:
      allowRaw === undefined || allowRaw.trim() === '' ? !databaseUrl : bool(env, 'GATEHOUSE_WEBHOOK_ALLOW_PRIVATE'),
    webhookRetryMinMs,
    webhookRetryMaxMs,
    webhookPollMs: int(env, 'GATEHOUSE_WEBHOOK_POLL_MS', 1000, 10),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = int(env, 'PORT', 8080);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const tlsCert = env.GATEHOUSE_TLS_CERT || undefined;
  const tlsKey = env.GATEHOUSE_TLS_KEY || undefined;
  if (Boolean(tlsCert) !== Boolean(tlsKey)) {
    throw new ConfigError('GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY must be set together');
  }
  const tlsAuto = tlsModeOf(env.GATEHOUSE_TLS);
  if (tlsAuto && tlsCert) throw new ConfigError('GATEHOUSE_TLS=auto and GATEHOUSE_TLS_CERT/KEY exclude each other');
  const tenantDomain = (env.GATEHOUSE_TENANT_DOMAIN || 'localhost').trim().toLowerCase();
  const domainProblem = tenantDomainProblem(tenantDomain);
  if (domainProblem) throw new ConfigError(`GATEHOUSE_TENANT_DOMAIN: ${domainProblem}`);
  return {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(env.GATEHOUSE_DATA_DIR || DEFAULT_DATA_DIR),
    pgliteSharedBuffersMb: sharedBuffersOf(env),
    tenantDomain,
    publicPort: int(env, 'GATEHOUSE_PUBLIC_PORT', port),
    publicPortSet: Boolean(env.GATEHOUSE_PUBLIC_PORT),
    publicHost: publicHostOf(env.GATEHOUSE_PUBLIC_HOST),
    publicHosts: (env.GATEHOUSE_PUBLIC_HOSTS || '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    logLevel: env.LOG_LEVEL || 'info',
    logFormat: logFormatOf(env.LOG_FORMAT),
    tokenTtlSeconds: int(env, 'GATEHOUSE_TOKEN_TTL_SECONDS', 3600, 60),
    clientCacheSeconds: int(env, 'GATEHOUSE_CLIENT_CACHE_SECONDS', 30, 0),
    sweepIntervalMs: int(env, 'GATEHOUSE_SWEEP_INTERVAL_MS', 15000, 100),
    taskLeaseMs: int(env, 'GATEHOUSE_TASK_LEASE_MS', 30000, 1000),
    statementTimeoutMs: int(env, 'GATEHOUSE_STATEMENT_TIMEOUT_MS', 10000, 0),
    systemLogRetentionDays: int(env, 'GATEHOUSE_SYSTEMLOG_RETENTION_DAYS', 365, 1),
    syncMaxBytes: int(env, 'GATEHOUSE_SYNC_MAX_BYTES', 2 * 1024 ** 3, 1),
    syncTimeoutMs: int(env, 'GATEHOUSE_SYNC_TIMEOUT_MS', 30 * 60_000, 0),
    requestTimeoutMs: int(env, 'GATEHOUSE_REQUEST_TIMEOUT_MS', 30000, 0),
    poolSize: int(env, 'GATEHOUSE_DB_POOL_SIZE', 10, 1),
    tlsCert,
    tlsKey,
    tlsAuto,
    dbPoolTimeoutMs: int(env, 'GATEHOUSE_DB_POOL_TIMEOUT_MS', 10000, 0),
    tokenRatePerMinute: int(env, 'GATEHOUSE_TOKEN_RATE_PER_MINUTE', 300, 0),
    tokenRatePerIpPerMinute: int(env, 'GATEHOUSE_TOKEN_RATE_PER_IP_PER_MINUTE', 1200, 0),
    metricsPort: int(env, 'GATEHOUSE_METRICS_PORT', 0, 0),
    metricsPublic: bool(env, 'GATEHOUSE_METRICS_PUBLIC'),
    trustProxy: trustProxyOf(env.GATEHOUSE_TRUST_PROXY),
    ...webhookSettings(env, databaseUrl),
  };
}
