// A flood of made-up tokens naming other clusters (issue 8, item 3): one gateway (bbbbb) with
// stand-in home clusters. A refusal by the home is remembered for a short while, and each home
// cluster has its own budget of calls in flight, so a flood naming one cannot starve another.

import { errorCode } from '../helpers/assert.js';
import { eachBackend, type TestGateway } from '../helpers/gateway.js';
import { uuidOf } from '../helpers/tokens.js';
import {
  type FakeCall,
  FakeRemote,
  madeUpToken,
  randomTail,
  sleep,
  startCluster,
  validAnswer,
} from './clusters.js';

const ME = '{ me { uuid } }';
const NEGATIVE_TTL_SECONDS = 2;
const askedUuid = (call: FakeCall) => uuidOf(String(call.headers.authorization).replace(/^Bearer /, ''));

eachBackend('made-up remote tokens', (backend) => {
  let B: TestGateway;
  let refusing: FakeRemote;
  let failing: FakeRemote;
  let hanging: FakeRemote;
  let good: FakeRemote;

  beforeAll(async () => {
    refusing = await new FakeRemote(() => ({
      body: {
        data: null,
        errors: [{ message: 'Invalid or expired token', extensions: { code: 'UNAUTHENTICATED' } }],
      },
    })).start();
    failing = await new FakeRemote(() => ({ status: 500, body: 'Internal Server Error' })).start();
    hanging = await new FakeRemote(() => 'hang').start();
    good = await new FakeRemote((c) => ({
      body: validAnswer(askedUuid(c), { uuid: `good0-tpzed-${randomTail()}` }),
    })).start();
    B = await startCluster(
      backend,
      'bbbbb',
      null,
      {
        refus: refusing.graphqlUrl,
        fails: failing.graphqlUrl,
        hangs: hanging.graphqlUrl,
        good0: good.graphqlUrl,
      },
      {
        REMOTE_TIMEOUT_MS: '4000',
        REMOTE_CONCURRENCY: '2',
        REMOTE_NEGATIVE_TTL_SECONDS: String(NEGATIVE_TTL_SECONDS),
      },
    );
  });

  afterAll(async () => {
    for (const f of [refusing, failing, hanging, good]) await f?.close();
    await B?.close();
  });

  test('a token its home refused is refused again without asking, until REMOTE_NEGATIVE_TTL_SECONDS pass', async () => {
    const token = madeUpToken('refus');
    const before = refusing.calls.length;
    for (let i = 0; i < 20; i++) expect(errorCode(await B.gql(ME, {}, token))).toBe('UNAUTHENTICATED');
    expect(refusing.calls.length - before).toBe(1);
    // Another made-up token is its own question.
    expect(errorCode(await B.gql(ME, {}, madeUpToken('refus')))).toBe('UNAUTHENTICATED');
    expect(refusing.calls.length - before).toBe(2);
    // Remembered for a short while only.
    await sleep(NEGATIVE_TTL_SECONDS * 1000 + 500);
    expect(errorCode(await B.gql(ME, {}, token))).toBe('UNAUTHENTICATED');
    expect(refusing.calls.length - before).toBe(3);
  });

  test('a failure to get an answer is not a refusal: the home is asked again', async () => {
    const token = madeUpToken('fails');
    for (let i = 0; i < 3; i++) expect(errorCode(await B.gql(ME, {}, token))).toBe('UNAUTHENTICATED');
    expect(failing.calls.length).toBe(3);
  });

  test("a flood naming a home that does not answer leaves another home's tokens their own budget", async () => {
    // Twice REMOTE_CONCURRENCY made-up tokens of `hangs`: its two slots taken, two waiting.
    const flood = Array.from({ length: 4 }, () => B.gql(ME, {}, madeUpToken('hangs')));
    let floodDone = false;
    void Promise.all(flood).then(() => {
      floodDone = true;
    });
    while (hanging.calls.length < 2) await sleep(20);
    const r = await B.gql(ME, {}, madeUpToken('good0'));
    expect(r.errors).toBeUndefined();
    expect(r.data.me.uuid).toMatch(/^good0-tpzed-/);
    // Answered while the flood still waits (it ends only at REMOTE_TIMEOUT_MS).
    expect(floodDone).toBe(false);
    for (const f of await Promise.all(flood)) expect(errorCode(f)).toBe('UNAUTHENTICATED');
  });
});
