import { z } from 'zod';
import { readLimited } from '../format/read-limited.js';
import { formatV2 } from '../format/token-string.js';

/** What a home cluster says about one of its tokens (design.md §7). */
export interface RemoteTokenInfo {
  uuid: string;
  scopes: string[];
  expiresAt: Date | null;
  user: { uuid: string; email: string | null; fullName: string | null; isActive: boolean };
}

/**
 * The outcome of asking; `reason` is safe to log (it never holds the token or a remote message).
 * `refused`: the home answered that the token is no good (not a failure to get an answer).
 */
export type RemoteAnswer =
  | { ok: true; info: RemoteTokenInfo }
  | { ok: false; reason: string; refused?: true };

export const VALIDATION_QUERY =
  '{ currentApiClientAuthorization { uuid scopes expiresAt user { uuid email fullName isActive } } }';

// A validation answer is a few hundred bytes; anything much bigger is not one.
const MAX_BODY_BYTES = 64 * 1024;

const answerSchema = z.object({
  data: z.object({
    currentApiClientAuthorization: z.object({
      uuid: z.string(),
      scopes: z.array(z.string().max(200)).max(100),
      expiresAt: z
        .string()
        .refine((s) => Number.isFinite(Date.parse(s)))
        .nullable(),
      user: z.object({
        uuid: z.string(),
        email: z.string().max(1000).nullable(),
        fullName: z.string().max(1000).nullable(),
        isActive: z.boolean(),
      }),
    }),
  }),
});

/** At most `limit` tasks at a time; a queued task gives up when its signal aborts. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(start);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      const start = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(start);
    });
  }
}

/** Concurrent calls with the same key share one run of the work (nothing is kept after it). */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing) return existing;
    const p = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  get size(): number {
    return this.inFlight.size;
  }
}

export interface HomeClusterClientOptions {
  /** Our cluster id, sent as X-Arvados-Remote-Cluster so the home may accept a salted secret. */
  clusterId: string;
  /** Whole budget of one validation: waiting for a slot plus the HTTP exchange. */
  timeoutMs: number;
  /**
   * Remote calls in flight at once to each home cluster (by URL): a flood of tokens naming one
   * cluster waits for that cluster's slots, never another's.
   */
  concurrency: number;
  fetch?: typeof fetch;
}

/**
 * Asks a token's home cluster about it over GraphQL. Never throws: every failure (network,
 * timeout, HTTP status, GraphQL errors, bad JSON, wrong shape) is `{ ok: false, reason }`.
 */
export class HomeClusterClient {
  private readonly slots = new Map<string, Semaphore>();
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: HomeClusterClientOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  /** The slots of the cluster at `url` (REMOTE_CLUSTERS is fixed: one per configured cluster). */
  private slotsOf(url: string): Semaphore {
    let slots = this.slots.get(url);
    if (!slots) {
      slots = new Semaphore(this.opts.concurrency);
      this.slots.set(url, slots);
    }
    return slots;
  }

  async ask(url: string, token: { uuid: string; secret: string }): Promise<RemoteAnswer> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    try {
      return await this.slotsOf(url).run(() => this.postRetryingReset(url, token, signal), signal);
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError')
        return { ok: false, reason: `no answer within ${this.opts.timeoutMs} ms` };
      // fetch reports network failures as TypeError with the system error as its cause.
      const cause = (err as { cause?: { code?: string } })?.cause?.code;
      return { ok: false, reason: `unreachable (${cause ?? name ?? 'error'})` };
    }
  }

  /**
   * A kept-alive connection the home closed just as we reused it fails with a reset before any
   * answer; the question is read-only, so it is asked once more on a fresh connection.
   */
  private async postRetryingReset(
    url: string,
    token: { uuid: string; secret: string },
    signal: AbortSignal,
  ): Promise<RemoteAnswer> {
    try {
      return await this.post(url, token, signal);
    } catch (err) {
      if (signal.aborted || !isConnectionReset(err)) throw err;
      return await this.post(url, token, signal);
    }
  }

  private async post(
    url: string,
    token: { uuid: string; secret: string },
    signal: AbortSignal,
  ): Promise<RemoteAnswer> {
    const res = await this.fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${formatV2(token.uuid, token.secret)}`,
        'x-arvados-remote-cluster': this.opts.clusterId,
      },
      body: JSON.stringify({ query: VALIDATION_QUERY }),
      // A redirect could carry the token to a host nobody configured.
      redirect: 'error',
      signal,
    });
    const bytes = await readLimited(res.body, MAX_BODY_BYTES);
    const body = bytes?.toString('utf8') ?? null;
    if (body === null) return { ok: false, reason: `answer larger than ${MAX_BODY_BYTES} bytes` };
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { ok: false, reason: `HTTP ${res.status}, not JSON` };
    }
    const errors = (json as { errors?: unknown })?.errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const code = (errors[0] as { extensions?: { code?: unknown } })?.extensions?.code;
      // Only a well-formed code is repeated: a remote's text could hold anything, even the secret.
      const safe = typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : 'error';
      return { ok: false, reason: `refused by the home cluster (${safe})`, refused: true };
    }
    if (res.status !== 200) return { ok: false, reason: `HTTP ${res.status}` };
    const parsed = answerSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: 'answer has the wrong shape' };
    const a = parsed.data.data.currentApiClientAuthorization;
    return {
      ok: true,
      info: {
        uuid: a.uuid,
        scopes: a.scopes,
        expiresAt: a.expiresAt === null ? null : new Date(a.expiresAt),
        user: a.user,
      },
    };
  }
}

function isConnectionReset(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
}
