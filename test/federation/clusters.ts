// Test clusters on loopback: each gateway sits behind a port opened before its config is built,
// so every cluster's REMOTE_CLUSTERS can name the others' real URLs from the start.
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackendName } from '../helpers/backends.js';
import { type Data, type GqlResult, startTestGateway, type TestGateway } from '../helpers/gateway.js';

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * A loopback HTTP server whose handler is set later. It counts the validation calls other
 * clusters make (requests carrying X-Arvados-Remote-Cluster), and can be stopped (connection
 * refused) and started again on the same port, like a home cluster going down and back up.
 */
export class LoopbackSlot {
  handler: Listener | null = null;
  /** Requests that carried X-Arvados-Remote-Cluster, by the value of that header. */
  readonly remoteCalls: string[] = [];
  port = 0;
  private server = this.newServer();

  static async open(): Promise<LoopbackSlot> {
    const slot = new LoopbackSlot();
    slot.port = await listen(slot.server, 0);
    return slot;
  }

  get graphqlUrl(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  /** Closes the port and every open connection: callers get ECONNREFUSED. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async start(): Promise<void> {
    this.server = this.newServer();
    await listen(this.server, this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.stop();
  }

  private newServer(): http.Server {
    return http.createServer((req, res) => {
      const remote = req.headers['x-arvados-remote-cluster'];
      if (typeof remote === 'string') this.remoteCalls.push(remote);
      if (this.handler) this.handler(req, res);
      else res.writeHead(503).end();
    });
  }
}

export async function listen(server: http.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (opened, then closed). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  const port = await listen(server, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A gateway for cluster `id` served on `slot`, knowing the given remote clusters. */
export async function startCluster(
  backend: BackendName,
  id: string,
  slot: LoopbackSlot | null,
  remotes: Record<string, string>,
  env: Record<string, string> = {},
): Promise<TestGateway> {
  const gw = await startTestGateway(backend, {
    // Generous unless a test is about timeouts: a loaded CI machine must not turn a slow
    // answer into a refused token.
    REMOTE_TIMEOUT_MS: '30000',
    CLUSTER_ID: id,
    REMOTE_CLUSTERS: Object.entries(remotes)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    ...env,
  });
  if (slot) slot.handler = (req, res) => void gw.gateway.yoga(req, res);
  return gw;
}

/** The data of a result that must have succeeded; else fails showing the gateway's last log lines. */
export function dataOf<T = Data>(r: GqlResult<T>, gw: TestGateway): T {
  if (r.errors || !r.data)
    throw new Error(`expected data, got ${r.body}\nlast log lines:\n${gw.logs.slice(-5).join('\n')}`);
  return r.data;
}

export interface FakeCall {
  headers: IncomingHttpHeaders;
  body: string;
}

export type FakeAnswer =
  | { status?: number; body: string | object; delayMs?: number; headers?: Record<string, string> }
  | 'hang';

/** A stand-in home cluster answering validation calls with whatever `respond` says. */
export class FakeRemote {
  readonly calls: FakeCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly server: http.Server;
  port = 0;

  constructor(public respond: (call: FakeCall) => FakeAnswer) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const call = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.calls.push(call);
        const answer = this.respond(call);
        if (answer === 'hang') return; // never answers; close() cuts the connection
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        setTimeout(() => {
          this.inFlight--;
          const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
          res
            .writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers })
            .end(body);
        }, answer.delayMs ?? 0);
      });
    });
  }

  async start(): Promise<this> {
    this.port = await listen(this.server, 0);
    return this;
  }

  get graphqlUrl(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The answer a home cluster gives for a valid token. */
export function validAnswer(
  tokenUuid: string,
  user: { uuid: string; email?: string | null; fullName?: string | null; isActive?: boolean },
  extra: { scopes?: string[]; expiresAt?: string | null } = {},
) {
  return {
    data: {
      currentApiClientAuthorization: {
        uuid: tokenUuid,
        scopes: extra.scopes ?? ['all'],
        expiresAt: extra.expiresAt ?? null,
        user: {
          uuid: user.uuid,
          email: user.email ?? null,
          fullName: user.fullName ?? null,
          isActive: user.isActive ?? true,
        },
      },
    },
  };
}

export function randomTail(): string {
  let s = '';
  while (s.length < 15) s += Math.random().toString(36).slice(2);
  return s.slice(0, 15);
}

/** A well-formed token string of `cluster` that no cluster issued. */
export function madeUpToken(cluster: string): string {
  return `v2/${cluster}-gj3su-${randomTail()}/${randomTail()}${randomTail()}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every token secret (raw or salted) must be absent from every log line. */
export function expectNoSecretsInLogs(logs: string[], secrets: string[]): void {
  const text = logs.join('\n');
  for (const s of secrets) expect(text.includes(s)).toBe(false);
}

/** Cluster aaaaa, answering on a loopback slot, and cluster bbbbb, which trusts it. */
export interface HomeAndRemote {
  slotA: LoopbackSlot;
  A: TestGateway;
  B: TestGateway;
}

/**
 * Starts aaaaa and bbbbb (B caching A's answers for `ttlSeconds`) before the tests of the
 * calling describe block and closes them after; the returned object is filled in beforeAll.
 */
export function homeAndRemote(backend: BackendName, ttlSeconds: number): HomeAndRemote {
  const c = {} as HomeAndRemote;
  beforeAll(async () => {
    c.slotA = await LoopbackSlot.open();
    // The home answers from its database at once: the TTL under test is B's copy, not A's own
    // token cache (TOKEN_CACHE_SECONDS).
    c.A = await startCluster(backend, 'aaaaa', c.slotA, {}, { TOKEN_CACHE_SECONDS: '0' });
    c.B = await startCluster(
      backend,
      'bbbbb',
      null,
      { aaaaa: c.slotA.graphqlUrl },
      { REMOTE_TOKEN_TTL_SECONDS: String(ttlSeconds) },
    );
  });
  afterAll(async () => {
    await c.slotA?.close();
    await c.A?.close();
    await c.B?.close();
  });
  return c;
}
