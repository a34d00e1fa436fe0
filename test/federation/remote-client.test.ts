// The remote validation client on its own: no database, a stub fetch.
import {
  HomeClusterClient,
  Semaphore,
  SingleFlight,
  VALIDATION_QUERY,
} from '../../src/federation/remote-client.js';
import { sleep, validAnswer } from './clusters.js';

const TOKEN = { uuid: 'aaaaa-gj3su-000000000000001', secret: 'x'.repeat(40) };

function clientWith(
  answer: (init: RequestInit) => Promise<Response> | Response,
  opts: { timeoutMs?: number; concurrency?: number } = {},
) {
  const seen: RequestInit[] = [];
  const fetchStub = (async (_url: string | URL | Request, init?: RequestInit) => {
    seen.push(init!);
    return answer(init!);
  }) as typeof fetch;
  const client = new HomeClusterClient({
    clusterId: 'bbbbb',
    timeoutMs: opts.timeoutMs ?? 500,
    concurrency: opts.concurrency ?? 4,
    fetch: fetchStub,
  });
  return { client, seen };
}
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('Semaphore', () => {
  test('runs at most `limit` tasks at once, in order', async () => {
    const s = new Semaphore(2);
    let active = 0;
    let max = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        s.run(async () => {
          active++;
          max = Math.max(max, active);
          order.push(i);
          await sleep(10);
          active--;
        }),
      ),
    );
    expect(max).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  test('a waiting task gives up when its signal aborts, and frees no slot it never had', async () => {
    const s = new Semaphore(1);
    let release!: () => void;
    const first = s.run(() => new Promise<void>((r) => (release = r)));
    const ac = new AbortController();
    const second = s.run(async () => 'ran', ac.signal);
    ac.abort(new Error('gave up'));
    await expect(second).rejects.toThrow('gave up');
    release();
    await first;
    // One slot, free again: a third task runs at once.
    await expect(s.run(async () => 'third')).resolves.toBe('third');
  });
});

describe('SingleFlight', () => {
  test('concurrent calls with one key share one run; later calls run again', async () => {
    const f = new SingleFlight<number>();
    let runs = 0;
    const work = async () => {
      runs++;
      await sleep(10);
      return runs;
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => f.run('k', work)));
    expect(results).toEqual(Array(10).fill(1));
    expect(f.size).toBe(0);
    await f.run('other', work);
    expect(runs).toBe(2);
  });

  test('a failure is shared too, and forgotten', async () => {
    const f = new SingleFlight<number>();
    const boom = async () => {
      throw new Error('boom');
    };
    await expect(Promise.all([f.run('k', boom), f.run('k', boom)])).rejects.toThrow('boom');
    expect(f.size).toBe(0);
  });
});

describe('HomeClusterClient', () => {
  test('sends the token as bearer, our cluster id, the query of design.md §7; refuses redirects', async () => {
    const { client, seen } = clientWith(() =>
      json(
        validAnswer(
          TOKEN.uuid,
          { uuid: 'aaaaa-tpzed-000000000000001' },
          { expiresAt: '2030-01-01T00:00:00.000Z' },
        ),
      ),
    );
    const a = await client.ask('http://home/graphql', TOKEN);
    expect(a).toEqual({
      ok: true,
      info: {
        uuid: TOKEN.uuid,
        scopes: ['all'],
        expiresAt: new Date('2030-01-01T00:00:00.000Z'),
        user: { uuid: 'aaaaa-tpzed-000000000000001', email: null, fullName: null, isActive: true },
      },
    });
    const init = seen[0]!;
    expect(init.method).toBe('POST');
    expect(init.redirect).toBe('error');
    expect(init.headers).toMatchObject({
      authorization: `Bearer v2/${TOKEN.uuid}/${TOKEN.secret}`,
      'x-arvados-remote-cluster': 'bbbbb',
    });
    expect(JSON.parse(String(init.body))).toEqual({ query: VALIDATION_QUERY });
  });

  test.each([
    [
      'non-200',
      () => json(validAnswer(TOKEN.uuid, { uuid: 'aaaaa-tpzed-000000000000001' }), 503),
      'HTTP 503',
    ],
    ['not JSON', () => new Response('<html>'), 'HTTP 200, not JSON'],
    [
      'GraphQL errors',
      () => json({ errors: [{ message: 'x', extensions: { code: 'FORBIDDEN' } }] }),
      'refused by the home cluster (FORBIDDEN)',
    ],
    [
      'wrong shape',
      () => json({ data: { currentApiClientAuthorization: { uuid: TOKEN.uuid } } }),
      'answer has the wrong shape',
    ],
    [
      'bad date',
      () => json(validAnswer(TOKEN.uuid, { uuid: 'aaaaa-tpzed-000000000000001' }, { expiresAt: 'soon' })),
      'answer has the wrong shape',
    ],
    ['JSON null', () => new Response('null'), 'answer has the wrong shape'],
    [
      'network error',
      () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } })),
      'unreachable (ECONNRESET)',
    ],
  ] as const)('%s → not ok, never a throw', async (_name, answer, reason) => {
    const { client } = clientWith(answer as () => Promise<Response> | Response);
    // Only the home's own refusal is marked as one (the validator remembers those for a while).
    const refused = reason.startsWith('refused by') ? { refused: true } : {};
    await expect(client.ask('http://home/graphql', TOKEN)).resolves.toEqual({
      ok: false,
      reason,
      ...refused,
    });
  });

  test('a connection reset before any answer is asked once more (a reused keep-alive socket)', async () => {
    let calls = 0;
    const reset = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    const { client } = clientWith(() =>
      ++calls === 1
        ? Promise.reject(reset())
        : json(validAnswer(TOKEN.uuid, { uuid: 'aaaaa-tpzed-000000000000001' })),
    );
    await expect(client.ask('http://home/graphql', TOKEN)).resolves.toMatchObject({ ok: true });
    expect(calls).toBe(2);
    // Only once: a home that keeps resetting is unreachable.
    calls = 0;
    const { client: stubborn } = clientWith(() => {
      calls++;
      return Promise.reject(reset());
    });
    await expect(stubborn.ask('http://home/graphql', TOKEN)).resolves.toEqual({
      ok: false,
      reason: 'unreachable (ECONNRESET)',
    });
    expect(calls).toBe(2);
  });

  test('a hanging home is given up after the timeout', async () => {
    const { client } = clientWith(
      (init) =>
        new Promise((_resolve, reject) => {
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason));
        }),
      { timeoutMs: 100 },
    );
    const t0 = Date.now();
    await expect(client.ask('http://home/graphql', TOKEN)).resolves.toEqual({
      ok: false,
      reason: 'no answer within 100 ms',
    });
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
