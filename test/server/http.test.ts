import { describeBackends } from '../helpers/gateway.js';

// The gateway over a real socket, as curl sees it.
describeBackends('HTTP server', (gw) => {
  let url: string;
  beforeAll(async () => {
    url = await gw().gateway.listen(0, '127.0.0.1');
  });

  test('GET /healthz is 200 when the database answers', async () => {
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('POST /graphql answers { me { uuid } } for a Bearer token', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw().rootToken}` },
      body: JSON.stringify({ query: '{ me { uuid isAdmin } }' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: { me: { uuid: 'zzzzz-tpzed-000000000000000', isAdmin: true } },
    });
  });

  test('GET /graphql runs queries, and refuses mutations', async () => {
    const headers = { authorization: `OAuth2 ${gw().rootToken}`, accept: 'application/json' };
    const q = await fetch(`${url}/graphql?query=${encodeURIComponent('{ me { uuid } }')}`, { headers });
    expect(await q.json()).toEqual({ data: { me: { uuid: 'zzzzz-tpzed-000000000000000' } } });
    const m = await fetch(
      `${url}/graphql?query=${encodeURIComponent('mutation { createUser(input: {email: "g@example.com"}) { uuid } }')}`,
      { headers },
    );
    expect(m.status).toBe(405);
  });

  test('an invalid token over HTTP gets a GraphQL error with its code, not a server error', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: 'Bearer nope',
      },
      body: JSON.stringify({ query: '{ me { uuid } }' }),
    });
    expect(res.status).toBeLessThan(500);
    const body = await res.json();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test('a browser gets GraphiQL, served without a CDN', async () => {
    const res = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/graphiql/i);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs/);
  });

  test('a malformed JSON body is a 400 with BAD_USER_INPUT, not a crash', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    // The server is still there.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

describeBackends('GET /healthz without a database', (gw) => {
  test('is 503 once the database stops answering', async () => {
    await gw().gateway.services.db.close();
    const res = await gw().gateway.yoga.fetch('http://test/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'database unavailable' });
  });
});
