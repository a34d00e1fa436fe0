import crypto from 'node:crypto';
import { insertFillerContainers } from '../../bench/fill-containers.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { Logger } from '../../src/server/logger.js';
import { BACKENDS, type BackendName, freshDatabase, type TestDatabaseOptions } from './backends.js';
import { issueToken } from './tokens.js';

/**
 * Response data as the tests read it: untyped, because each assertion states the shape it
 * expects. The one place tests opt out of types.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Data = any;

export interface GqlResult<T = Data> {
  status: number;
  data?: T;
  errors?: {
    message: string;
    extensions?: { code?: string; field?: string; [k: string]: unknown };
    path?: unknown[];
  }[];
  /** The raw response body, for secrecy assertions. */
  body: string;
}

export interface TestGateway {
  backend: BackendName;
  gateway: Gateway;
  /** Every log line the server wrote. */
  logs: string[];
  /** The system root token (v2). */
  rootToken: string;
  gql<T = Data>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
    headers?: Record<string, string>,
  ): Promise<GqlResult<T>>;
  /** A new user and an all-scopes token for it. */
  newUser(opts?: {
    isAdmin?: boolean;
    isActive?: boolean;
    scopes?: string[];
  }): Promise<{ uuid: string; token: string }>;
  close(): Promise<void>;
}

/** The secrets key of the test gateways (PostgreSQL needs one configured; PGlite in memory would make its own). */
export const TEST_SECRETS_KEY = crypto.randomBytes(32).toString('hex');

export async function startTestGateway(
  backend: BackendName,
  env: Record<string, string> = {},
  dbOpts: TestDatabaseOptions = {},
): Promise<TestGateway> {
  const config: Config = loadConfig({ TOKEN_SWEEP_SECONDS: '0', SECRETS_KEY: TEST_SECRETS_KEY, ...env });
  const db = await freshDatabase(backend, dbOpts);
  const logs: string[] = [];
  const gateway = await createGateway(config, { db, logger: new Logger((l) => logs.push(l), 'debug') });
  const root = gateway.rootToken;
  if (root.kind !== 'generated') throw new Error('test gateway expected a generated root token');
  const t: TestGateway = {
    backend,
    gateway,
    logs,
    rootToken: root.apiToken,
    async gql(query, variables, token = t.rootToken, headers = {}) {
      const res = await gateway.yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = await res.text();
      const json = JSON.parse(body);
      return { status: res.status, data: json.data, errors: json.errors, body };
    },
    async newUser(opts = {}) {
      const n = Math.random().toString(36).slice(2, 10);
      const u = await t.gql(`mutation($i: CreateUserInput!) { createUser(input: $i) { uuid } }`, {
        i: {
          email: `u${n}@example.com`,
          fullName: `User ${n}`,
          isAdmin: opts.isAdmin ?? false,
          isActive: opts.isActive ?? true,
        },
      });
      if (!u.data) throw new Error(u.body);
      const uuid = u.data.createUser.uuid;
      const { apiToken } = await issueToken(t, t.rootToken, {
        userUuid: uuid,
        scopes: opts.scopes ?? ['all'],
      });
      return { uuid, token: apiToken };
    },
    async close() {
      await gateway.close();
      await db.close();
    },
  };
  return t;
}

/** The error-level log lines the gateway wrote since line `from` (an unexpected error logs one). */
export function errorLogsSince(gw: TestGateway, from: number): string[] {
  return gw.logs.slice(from).filter((l) => JSON.parse(l).level === 'error');
}

/** One describe block per backend (PGlite, and PostgreSQL when TEST_DATABASE_URL is set). */
export function eachBackend(name: string, fn: (backend: BackendName) => void): void {
  for (const backend of BACKENDS) describe(`${name} [${backend}]`, () => fn(backend));
}

/**
 * Runs `fn` once per backend, each with a gateway on a database of its own for this describe
 * block. `env` adds configuration; `log` receives every SQL statement the gateway runs.
 */
export function describeBackends(
  name: string,
  fn: (gw: () => TestGateway) => void,
  env: Record<string, string> = {},
  dbOpts: TestDatabaseOptions = {},
): void {
  eachBackend(name, (backend) => {
    let gw: TestGateway | undefined;
    beforeAll(async () => {
      gw = await startTestGateway(backend, env, dbOpts);
    });
    afterAll(async () => {
      await gw?.close();
    });
    fn(() => gw!);
  });
}

/**
 * A gateway whose containers table holds `rows` (30,000) filler containers of distinct hashes in
 * every state, a fifth QUEUED (as the benchmark fills it; the highest QUEUED priority is the
 * largest multiple of 5 ≤ rows), analysed, for query-plan tests; `log` receives every SQL
 * statement. Started before the calling block's tests, closed after.
 */
export function filledGateway(
  backend: BackendName,
  log: { query: string; params: string }[],
  rows = 30_000,
): { gw: TestGateway } {
  const filled = {} as { gw: TestGateway };
  beforeAll(async () => {
    filled.gw = await startTestGateway(backend, {}, { log: (e) => log.push(e) });
    await insertFillerContainers(filled.gw.gateway.services.db.prisma, 1, rows + 1);
    await filled.gw.gateway.services.db.prisma.$executeRawUnsafe('ANALYZE containers');
  }, 300_000); // 100k rows take about a minute and a half in PGlite on a busy machine
  afterAll(async () => {
    await filled.gw?.close();
  });
  return filled;
}
