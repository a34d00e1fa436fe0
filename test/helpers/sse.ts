import type { Data, TestGateway } from './gateway.js';

/** A subscription over real HTTP (SSE): yields each `event: next` payload. */
export class SseSubscription {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly abort: AbortController,
    readonly status: number,
    readonly contentType: string | null,
  ) {}

  static async open(
    baseUrl: string,
    query: string,
    variables: Record<string, unknown>,
    token: string,
  ): Promise<SseSubscription> {
    const abort = new AbortController();
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
      signal: abort.signal,
    });
    const sub = new SseSubscription(
      res.body!.getReader(),
      abort,
      res.status,
      res.headers.get('content-type'),
    );
    return sub;
  }

  /** The next SSE message (comments, i.e. pings, reported as `ping`); null once the stream ended. */
  private async message(): Promise<{ event?: string; data?: string } | null> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        if (lines.length === 0) return { event: 'ping' };
        const field = (name: string) =>
          lines
            .find((l) => l.startsWith(`${name}:`))
            ?.slice(name.length + 1)
            .trim();
        return { event: field('event'), data: field('data') };
      }
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /**
   * Waits for the server's first ping: the stream is open and the subscription's iterator
   * has been asked for its first event (yoga pulls right after the ping it starts with).
   */
  async ready(): Promise<void> {
    const m = await this.message();
    if (m?.event !== 'ping') throw new Error(`expected the opening ping, got ${JSON.stringify(m)}`);
  }

  /** The next `next` event's payload. */
  async next(): Promise<Data> {
    for (;;) {
      const m = await this.message();
      if (m === null) throw new Error('stream ended');
      if (m.event === 'next') return JSON.parse(m.data!);
      if (m.event === 'complete') throw new Error('subscription completed');
    }
  }

  /** Waits for `event: complete` and then the end of the stream; fails on any other event. */
  async completes(): Promise<void> {
    for (;;) {
      const m = await this.message();
      if (m === null) throw new Error('stream ended without a complete event');
      if (m.event === 'ping') continue;
      if (m.event !== 'complete') throw new Error(`expected complete, got ${JSON.stringify(m)}`);
      break;
    }
    const after = await this.message();
    if (after !== null) throw new Error(`expected the stream to end, got ${JSON.stringify(after)}`);
  }

  close(): void {
    this.abort.abort();
  }
}

/**
 * Subscriptions for the tests of one describe block: the gateway listens on a loopback port
 * before them, and every subscription a test opened is closed after it. With `ready`, `open`
 * returns once the server has subscribed (so no event can be missed).
 */
/**
 * `ready`: wait for the opening ping; `current`: also take the first event, the current state
 * an object's stream starts with (for tests about what follows it).
 */
export function sseClient(gateway: () => TestGateway, opts: { ready?: boolean; current?: boolean } = {}) {
  let baseUrl = '';
  const subs: SseSubscription[] = [];
  beforeAll(async () => {
    baseUrl = await gateway().gateway.listen(0, '127.0.0.1');
  });
  afterEach(() => {
    for (const s of subs.splice(0)) s.close();
  });
  return async (query: string, variables: Record<string, unknown>, token: string) => {
    const s = await SseSubscription.open(baseUrl, query, variables, token);
    subs.push(s);
    if (opts.ready || opts.current) await s.ready();
    if (opts.current) await s.next();
    return s;
  };
}
