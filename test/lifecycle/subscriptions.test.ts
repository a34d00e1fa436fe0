import { describeBackends } from '../helpers/gateway.js';
import { ok, tag } from '../helpers/lifecycle.js';
import { createRequest, lock, updateContainer, updateRequest } from '../helpers/requests.js';

/** A subscription over real HTTP (SSE): yields each `event: next` payload. */
class SseSubscription {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly abort: AbortController,
    readonly status: number,
    readonly contentType: string | null,
  ) {}

  static async open(baseUrl: string, query: string, variables: Record<string, unknown>, token: string): Promise<SseSubscription> {
    const abort = new AbortController();
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: abort.signal,
    });
    const sub = new SseSubscription(res.body!.getReader(), abort, res.status, res.headers.get('content-type'));
    return sub;
  }

  /** The next SSE message (comments, i.e. pings, skipped). */
  private async message(): Promise<{ event?: string; data?: string } | null> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        if (lines.length === 0) return { event: 'ping' };
        const field = (name: string) => lines.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();
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
  async next(): Promise<any> {
    for (;;) {
      const m = await this.message();
      if (m === null) throw new Error('stream ended');
      if (m.event === 'next') return JSON.parse(m.data!);
      if (m.event === 'complete') throw new Error('subscription completed');
    }
  }

  close(): void {
    this.abort.abort();
  }
}

describeBackends('subscriptions over SSE', (gw) => {
  let baseUrl: string;
  let user: { uuid: string; token: string };
  const subs: SseSubscription[] = [];
  beforeAll(async () => {
    baseUrl = await gw().gateway.listen(0, '127.0.0.1');
    user = await gw().newUser();
  });
  afterEach(() => {
    for (const s of subs.splice(0)) s.close();
  });
  const open = async (query: string, variables: Record<string, unknown>, token: string) => {
    const s = await SseSubscription.open(baseUrl, query, variables, token);
    subs.push(s);
    return s;
  };

  test('containerRequestUpdated: an event after the change commits, with the new state', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], state: 'UNCOMMITTED' });
    const sub = await open(`subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid state name containerUuid } }`, { u: cr.uuid }, user.token);
    expect(sub.status).toBe(200);
    expect(sub.contentType).toMatch(/^text\/event-stream/);
    await sub.ready();

    ok(await updateRequest(gw(), user.token, cr.uuid, { name: 'renamed' }));
    expect((await sub.next()).data.containerRequestUpdated).toMatchObject({ uuid: cr.uuid, state: 'UNCOMMITTED', name: 'renamed' });

    ok(await updateRequest(gw(), user.token, cr.uuid, { state: 'COMMITTED' }));
    const committed = (await sub.next()).data.containerRequestUpdated;
    expect(committed).toMatchObject({ uuid: cr.uuid, state: 'COMMITTED' });
    expect(committed.containerUuid).toMatch(/^zzzzz-dz642-/);
  });

  test('containerUpdated: events for lock and run, to the owner of a request on it', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const sub = await open(`subscription($u: ID!) { containerUpdated(uuid: $u) { uuid state lockedByUuid } }`, { u: cr.containerUuid }, user.token);
    await sub.ready();

    ok(await lock(gw(), gw().rootToken, cr.containerUuid));
    const locked = (await sub.next()).data.containerUpdated;
    expect(locked).toMatchObject({ uuid: cr.containerUuid, state: 'LOCKED' });
    expect(locked.lockedByUuid).toMatch(/^zzzzz-gj3su-/);

    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'RUNNING' }));
    expect((await sub.next()).data.containerUpdated).toMatchObject({ uuid: cr.containerUuid, state: 'RUNNING' });
  });

  test("a container's completion reaches a request subscriber as FINAL", async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    ok(await lock(gw(), gw().rootToken, cr.containerUuid));
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'RUNNING' }));
    const sub = await open(`subscription($u: ID!) { containerRequestUpdated(uuid: $u) { state output } }`, { u: cr.uuid }, user.token);
    await sub.ready();
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'COMPLETE', exitCode: 0, output: 'out' }));
    expect((await sub.next()).data.containerRequestUpdated).toEqual({ state: 'FINAL', output: 'out' });
  });

  test('another user subscribing to a request or container they cannot see: NOT_FOUND', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const other = await gw().newUser();
    for (const [query, u] of [
      [`subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid } }`, cr.uuid],
      [`subscription($u: ID!) { containerUpdated(uuid: $u) { uuid } }`, cr.containerUuid],
    ] as const) {
      const sub = await open(query, { u }, other.token);
      const first = await sub.next();
      expect(first.data ?? null).toBeNull();
      expect(first.errors[0].extensions.code).toBe('NOT_FOUND');
      sub.close();
    }
  });

  test('an admin may subscribe to anything', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const sub = await open(`subscription($u: ID!) { containerUpdated(uuid: $u) { state } }`, { u: cr.containerUuid }, gw().rootToken);
    await sub.ready();
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'CANCELLED' }));
    expect((await sub.next()).data.containerUpdated).toEqual({ state: 'CANCELLED' });
  });
});
