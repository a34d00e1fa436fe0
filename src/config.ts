import { isIP } from 'node:net';
import { z } from 'zod';
import { type DatabaseTarget, DEFAULT_DB_TIMEOUTS } from './db/adapter.js';
import { parseSecretsKey } from './format/secret-box.js';
import { parseSystemRootToken, ROOT_SECRET_RULE, weakSecret } from './format/token-string.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  /** Address to listen on; unset = all interfaces (IPv6 and IPv4 where available). */
  host?: string;
  /** Browser origins allowed to call the API from another origin; `['*']` = any; empty = same origin only. */
  corsOrigins: string[];
  logLevel: LogLevel;
  database: DatabaseTarget;
  clusterId: string;
  /** v2 token string or bare secret for the system user; unset = generated on first start. */
  systemRootToken?: string;
  /** Remote cluster id → its GraphQL URL. */
  remoteClusters: Record<string, string>;
  remoteTokenTtlSeconds: number;
  remoteTimeoutMs: number;
  remoteConcurrency: number;
  tokenSweepSeconds: number;
  /**
   * How long a local token that validated is trusted in this process without reading its row
   * again (0 = always read): the longest a token expired, deleted or whose user was deactivated
   * elsewhere can still pass (src/auth/token-cache.ts).
   */
  tokenCacheSeconds: number;
  containerCountMax: number;
  /** Deadline of one query or mutation (not of a subscription's life). */
  operationTimeoutMs: number;
  /** How long GET /healthz waits for the database before answering 503. */
  healthTimeoutMs: number;
  /** Operations one non-admin token may run per window (0 = no limit). */
  rateLimit: { operations: number; windowSeconds: number };
  /** Subscriptions open at once: per token, and on this server. */
  maxSubscriptionsPerToken: number;
  maxSubscriptions: number;
  /** After SIGTERM/SIGINT: how long in-flight requests may take before their connections are cut. */
  shutdownGraceSeconds: number;
  /**
   * Keys of the secrets at rest (SECRETS_KEY): the first seals, all open. Unset = the key file
   * beside the embedded data directory (src/domain/secrets-key.ts).
   */
  secretsKeys?: Buffer[];
  /** The largest estimated cost of an operation (QUERY_TOO_COMPLEX above it; README, Limits). */
  maxQueryCost: number;
  /** Caps on one document's size: tokens, and each operation's aliases, depth, directives (README, Limits). */
  documentLimits: { maxTokens: number; maxAliases: number; maxDepth: number; maxDirectives: number };
  /** How long a token another cluster's home refused is refused without asking (0 = not at all). */
  remoteNegativeTtlSeconds: number;
}

export class ConfigError extends Error {}

const clusterId = z.string().regex(/^[0-9a-z]{5}$/, 'must be 5 characters [0-9a-z]');
// Digits only: `1e3`, `0x50` or `80.5` are typos, not numbers to guess at.
const int = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .trim()
    .regex(/^\d{1,12}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
};

const remoteClusters = z.string().transform((raw, ctx) => {
  const out: Record<string, string> = {};
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const [i, part] of parts.entries()) {
    const eq = part.indexOf('=');
    const id = part.slice(0, eq).trim();
    const url = part.slice(eq + 1).trim();
    // Entries are named by position, not echoed: a URL may carry credentials.
    if (
      eq < 0 ||
      !clusterId.safeParse(id).success ||
      !URL.canParse(url) ||
      !/^https?:$/.test(new URL(url).protocol)
    ) {
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} is not <5-character id>=http(s)://<url>` });
      return z.NEVER;
    }
    if (out[id]) {
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} names a cluster id a second time` });
      return z.NEVER;
    }
    out[id] = url;
  }
  return out;
});

// An IP address or a DNS name; a URL or a port here is a mistake worth stopping for.
const host = z
  .string()
  .trim()
  .refine(
    (h) =>
      isIP(h) !== 0 ||
      /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
        h,
      ),
    'must be an IP address or a host name',
  );

// `*`, or origins exactly as browsers send them (scheme://host[:port], no path, no slash).
const corsOrigins = z.string().transform((raw, ctx) => {
  const list = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (list.includes('*')) {
    if (list.length > 1) {
      ctx.addIssue({ code: 'custom', message: 'must be * alone or a list of origins, not both' });
      return z.NEVER;
    }
    return list;
  }
  for (const [i, o] of list.entries()) {
    if (!URL.canParse(o) || new URL(o).origin !== o || !/^https?:$/.test(new URL(o).protocol)) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${i + 1} is not an origin (http(s)://host[:port], nothing after it)`,
      });
      return z.NEVER;
    }
  }
  return list;
});

// One key or several, comma-separated (the first seals; the others still open what they sealed).
const secretsKeys = z.string().transform((raw, ctx) => {
  const keys = raw.split(',').map((k) => parseSecretsKey(k));
  const bad = keys.indexOf(null);
  if (bad >= 0) {
    // Named by position, never echoed: it is a key.
    ctx.addIssue({ code: 'custom', message: `entry ${bad + 1} is not 32 bytes as 64 hex digits or base64` });
    return z.NEVER;
  }
  return keys as Buffer[];
});

const schema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: host.optional(),
  CORS_ORIGINS: corsOrigins.default([]),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  DATABASE_URL: z
    .string()
    .refine((u) => /^postgres(ql)?:\/\//.test(u) && URL.canParse(u), 'must be a postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  CLUSTER_ID: clusterId.default('zzzzz'),
  SYSTEM_ROOT_TOKEN: z.string().min(1).optional(),
  REMOTE_CLUSTERS: remoteClusters.default({}),
  REMOTE_TOKEN_TTL_SECONDS: int(1, 86_400 * 30).default(300),
  REMOTE_TIMEOUT_MS: int(50, 120_000).default(5000),
  REMOTE_CONCURRENCY: int(1, 1000).default(8),
  TOKEN_SWEEP_SECONDS: int(0, 86_400).default(60),
  TOKEN_CACHE_SECONDS: int(0, 60).default(1),
  CONTAINER_COUNT_MAX: int(1, 100).default(3),
  OPERATION_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  DB_STATEMENT_TIMEOUT_MS: int(100, 3_600_000).default(DEFAULT_DB_TIMEOUTS.statementMs),
  DB_CONNECT_TIMEOUT_MS: int(100, 600_000).default(DEFAULT_DB_TIMEOUTS.connectMs),
  HEALTH_TIMEOUT_MS: int(100, 60_000).default(2_000),
  RATE_LIMIT_OPERATIONS: int(0, 10_000_000).default(1_000),
  RATE_LIMIT_WINDOW_SECONDS: int(1, 3_600).default(10),
  MAX_SUBSCRIPTIONS_PER_TOKEN: int(1, 100_000).default(200),
  MAX_SUBSCRIPTIONS: int(1, 1_000_000).default(5_000),
  SHUTDOWN_GRACE_SECONDS: int(0, 3600).default(25),
  SECRETS_KEY: secretsKeys.optional(),
  MAX_QUERY_COST: int(1, 10_000_000).default(5000),
  MAX_TOKENS: int(1, 10_000_000).default(5000),
  MAX_ALIASES: int(0, 1_000_000).default(30),
  MAX_DEPTH: int(1, 10_000).default(15),
  MAX_DIRECTIVES: int(0, 1_000_000).default(50),
  REMOTE_NEGATIVE_TTL_SECONDS: int(0, 3_600).default(30),
});

/** Reads and validates the environment; a bad variable throws one line naming it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    // Never echo the value: SYSTEM_ROOT_TOKEN and DATABASE_URL may hold secrets.
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}`);
  }
  const c = parsed.data;
  if (c.REMOTE_CLUSTERS[c.CLUSTER_ID]) {
    throw new ConfigError(
      'Invalid configuration: REMOTE_CLUSTERS must not name our own cluster (CLUSTER_ID)',
    );
  }
  if (c.SYSTEM_ROOT_TOKEN !== undefined) {
    const root = parseSystemRootToken(c.SYSTEM_ROOT_TOKEN, c.CLUSTER_ID);
    if (!root) {
      throw new ConfigError(
        'Invalid configuration: SYSTEM_ROOT_TOKEN must be a v2 token (v2/<uuid>/<secret>) of this CLUSTER_ID, or a bare secret of letters and digits',
      );
    }
    if (weakSecret(root.secret)) {
      throw new ConfigError(`Invalid configuration: SYSTEM_ROOT_TOKEN is too weak: ${ROOT_SECRET_RULE}`);
    }
  }
  return {
    port: c.PORT,
    host: c.HOST,
    corsOrigins: c.CORS_ORIGINS,
    logLevel: c.LOG_LEVEL,
    database: c.DATABASE_URL
      ? {
          kind: 'postgres',
          url: c.DATABASE_URL,
          timeouts: { statementMs: c.DB_STATEMENT_TIMEOUT_MS, connectMs: c.DB_CONNECT_TIMEOUT_MS },
        }
      : { kind: 'pglite', dataDir: c.DATA_DIR },
    clusterId: c.CLUSTER_ID,
    systemRootToken: c.SYSTEM_ROOT_TOKEN,
    remoteClusters: c.REMOTE_CLUSTERS,
    remoteTokenTtlSeconds: c.REMOTE_TOKEN_TTL_SECONDS,
    remoteTimeoutMs: c.REMOTE_TIMEOUT_MS,
    remoteConcurrency: c.REMOTE_CONCURRENCY,
    tokenSweepSeconds: c.TOKEN_SWEEP_SECONDS,
    tokenCacheSeconds: c.TOKEN_CACHE_SECONDS,
    containerCountMax: c.CONTAINER_COUNT_MAX,
    operationTimeoutMs: c.OPERATION_TIMEOUT_MS,
    healthTimeoutMs: c.HEALTH_TIMEOUT_MS,
    rateLimit: { operations: c.RATE_LIMIT_OPERATIONS, windowSeconds: c.RATE_LIMIT_WINDOW_SECONDS },
    maxSubscriptionsPerToken: c.MAX_SUBSCRIPTIONS_PER_TOKEN,
    maxSubscriptions: c.MAX_SUBSCRIPTIONS,
    shutdownGraceSeconds: c.SHUTDOWN_GRACE_SECONDS,
    secretsKeys: c.SECRETS_KEY,
    maxQueryCost: c.MAX_QUERY_COST,
    documentLimits: {
      maxTokens: c.MAX_TOKENS,
      maxAliases: c.MAX_ALIASES,
      maxDepth: c.MAX_DEPTH,
      maxDirectives: c.MAX_DIRECTIVES,
    },
    remoteNegativeTtlSeconds: c.REMOTE_NEGATIVE_TTL_SECONDS,
  };
}
