// A real browser (Debian's chromium, driven by playwright-core) on the gateway's own origin:
// it allows six HTTP/1.1 connections per host, so six subscriptions that each hold one
// starve the page's other requests. Over graphql-sse's single connection mode one page holds
// ten subscriptions and its queries still answer. The database only serves the objects here:
// the behaviour under test is the browser's and the transport's, so one backend is enough.
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createRequest, updateRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { type Browser, launchChromium, BROWSER_TIMEOUT as SLOW } from '../helpers/chromium.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';

// The client's browser build (the package's exports do not name it).
const SSE_CLIENT = fileURLToPath(
  new URL('../../node_modules/graphql-sse/umd/graphql-sse.js', import.meta.url),
);

let gw: TestGateway;
let url: string;
let browser: Browser;
let user: { uuid: string; token: string };

beforeAll(async () => {
  gw = await startTestGateway('pglite');
  url = await gw.gateway.listen(0, '127.0.0.1');
  user = await gw.newUser();
  browser = await launchChromium();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

/** A page on the gateway's origin (so its requests share the per-host connection limit). */
async function gatewayPage(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${url}/healthz`);
  await page.addScriptTag({ path: SSE_CLIENT });
  return page;
}

/** A query from the page: 'answered' or 'timeout' after `ms`. */
const queryFromPage = (page: Page, token: string, ms: number) =>
  page.evaluate(
    async ({ token, ms }) => {
      const answer = fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { uuid } }' }),
      }).then(async (r) => ((await r.json()).data?.me?.uuid ? 'answered' : 'failed'));
      const late = new Promise<string>((r) => setTimeout(() => r('timeout'), ms));
      return Promise.race([answer, late]);
    },
    { token, ms },
  );

test(
  'ten subscriptions over one connection: every stream gets its events and queries still answer',
  async () => {
    const crs = [];
    for (let i = 0; i < 10; i++) crs.push(await createRequest(gw, user.token, { command: ['echo', tag()] }));
    const page = await gatewayPage();
    await page.evaluate(
      ({ token, uuids }) => {
        type Sse = {
          createClient(o: object): { subscribe(p: object, sink: object): () => void };
        };
        const sse = (window as unknown as { graphqlSse: Sse }).graphqlSse;
        const client = sse.createClient({
          url: '/graphql/stream',
          singleConnection: true,
          headers: { authorization: `Bearer ${token}` },
        });
        const events: string[][] = uuids.map(() => []);
        Object.assign(window, { events });
        for (const [i, u] of uuids.entries()) {
          client.subscribe(
            {
              query: 'subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid name } }',
              variables: { u },
            },
            {
              next: (r: { data?: { containerRequestUpdated: { name: string } } }) =>
                events[i]!.push(r.data?.containerRequestUpdated.name ?? 'error'),
              error: () => events[i]!.push('error'),
              complete: () => {},
            },
          );
        }
      },
      { token: user.token, uuids: crs.map((c) => c.uuid) },
    );
    const eventsIn = () => page.evaluate(() => (window as unknown as { events: string[][] }).events);
    // Each stream starts with the request's current state.
    await page.waitForFunction(
      () => (window as unknown as { events: string[][] }).events.every((e) => e.length >= 1),
      undefined,
      { timeout: 60_000 },
    );
    // With all ten open, the page's queries answer.
    for (let i = 0; i < 3; i++) expect(await queryFromPage(page, user.token, 20_000)).toBe('answered');
    // And every stream hears its own request's change.
    for (const [i, cr] of crs.entries())
      ok(await updateRequest(gw, user.token, cr.uuid, { name: `renamed ${i}` }));
    await page.waitForFunction(
      () => (window as unknown as { events: string[][] }).events.every((e) => e.length >= 2),
      undefined,
      { timeout: 60_000 },
    );
    expect(await eventsIn()).toEqual(crs.map((_, i) => ['test request', `renamed ${i}`]));
    await page.close();
  },
  SLOW,
);

test(
  'the same ten as separate connections (the /graphql SSE) starve the page: why the mode matters',
  async () => {
    const cr = await createRequest(gw, user.token, { command: ['echo', tag()] });
    const page = await gatewayPage();
    await page.evaluate(
      ({ token, u }) => {
        for (let i = 0; i < 10; i++)
          void fetch('/graphql', {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'text/event-stream',
              authorization: `Bearer ${token}`,
            },
            body: JSON.stringify({
              query: 'subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid } }',
              variables: { u },
            }),
          }).then((r) => r.body?.getReader().read());
      },
      { token: user.token, u: cr.uuid },
    );
    expect(await queryFromPage(page, user.token, 3_000)).toBe('timeout');
    await page.close();
  },
  SLOW,
);
