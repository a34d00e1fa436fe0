// GraphQL over HTTP to the gateway: the dispatcher's only way to it. Queries and mutations are
// POSTs; the subscription is a GraphQL-over-SSE stream (graphql-sse, distinct connections).
import { type Client, createClient } from 'graphql-sse';

/** A GraphQL error answer, with the gateway's extensions.code (CONFLICT, FORBIDDEN…). */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The gateway did not answer (refused, reset, timed out, or not GraphQL): worth retrying. */
export class GatewayUnreachable extends Error {}

const REQUEST_TIMEOUT_MS = 30_000;
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface SubscriptionHandlers<T> {
  onEvent(data: T): void;
  /** The stream is open (again): events may have been missed meanwhile, so the caller re-reads. */
  onConnected(): void;
  /** The stream ended (the gateway completed it, or refused it): the caller may subscribe again later. */
  onClosed(err: unknown): void;
}

export class GatewayClient {
  private readonly streams = new Set<Client>();

  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  /** One operation; `token` defaults to the dispatcher's (the container's own token is passed for its calls). */
  async request<T>(query: string, variables: Record<string, unknown> = {}, token = this.token): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new GatewayUnreachable(
        `gateway unreachable at ${this.url}: ${(err as Error).cause ?? (err as Error).message}`,
      );
    }
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new GatewayUnreachable(
        `gateway at ${this.url} answered HTTP ${res.status} without a GraphQL body`,
      );
    }
    const first = body.errors?.[0];
    if (first) throw new GatewayError(first.message, first.extensions?.code);
    if (body.data === undefined)
      throw new GatewayUnreachable(`gateway at ${this.url} answered HTTP ${res.status} without data`);
    return body.data;
  }

  /** Holds a subscription, reconnecting (with backoff) when the connection drops. Returns its stop function. */
  subscribe<T>(query: string, handlers: SubscriptionHandlers<T>): () => void {
    const sse: Client = createClient({
      url: this.url,
      headers: { authorization: `Bearer ${this.token}` },
      retryAttempts: Number.MAX_SAFE_INTEGER,
      // 1, 2, 4… up to 30 s, with jitter, so that a restarted gateway is not stampeded.
      retry: (retries) =>
        pause(Math.min(30_000, 1000 * 2 ** Math.min(retries, 5)) * (0.5 + Math.random() / 2)),
      on: { connected: () => handlers.onConnected() },
    });
    this.streams.add(sse);
    let lastError: unknown = null;
    const stop = sse.subscribe<T>(
      { query },
      {
        next: (r) => {
          if (r.errors?.length) {
            const e = r.errors[0]!;
            lastError = new GatewayError(e.message, (e.extensions as { code?: string } | undefined)?.code);
          } else if (r.data) handlers.onEvent(r.data as T);
        },
        error: (err) => handlers.onClosed(err),
        complete: () => handlers.onClosed(lastError),
      },
    );
    return () => {
      stop();
      sse.dispose();
      this.streams.delete(sse);
    };
  }

  close(): void {
    for (const sse of this.streams) sse.dispose();
    this.streams.clear();
  }
}
