// Secrecy (c): no error message, no `extensions` and no log line carries a secret — for
// rejected updates, invalid runtime tokens, GraphQL validation failures (graphql-js echoes
// variable and literal values; src/server/error-handling.ts must cut them) and bad
// Authorization headers.

import { createRequest, requestInput, updateRequest } from '../helpers/api.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { expireTokenNow, found, mountSecret, secretMounts, tokenNeedles } from '../helpers/secrets.js';
import { bound, type IssuedToken, issueToken } from '../helpers/tokens.js';

const CREATE = 'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }';
const UPDATE =
  'mutation($u: ID!, $i: UpdateContainerRequestInput!) { updateContainerRequest(uuid: $u, input: $i) { uuid } }';

describeBackends('secrecy: errors, extensions and logs', (gw) => {
  let owner: { uuid: string; token: string };
  let rt: IssuedToken;
  let content: string;
  const needles: Record<string, string> = {};

  beforeAll(async () => {
    owner = await gw().newUser();
    rt = await issueToken(gw(), owner.token);
    content = mountSecret();
    Object.assign(
      needles,
      tokenNeedles('runtime token', rt.apiToken),
      tokenNeedles("owner's token", owner.token),
      tokenNeedles('root token', gw().rootToken),
    );
    needles['secret mount'] = content;
  });

  /** The request failed, with one of our codes, and neither the body nor any extension holds a secret. */
  function expectCleanError(
    what: string,
    r: { body: string; errors?: { message: string; extensions?: Record<string, unknown> }[] },
    extra: Record<string, string> = {},
  ) {
    expect([what, !!r.errors?.length]).toEqual([what, true]);
    for (const e of r.errors!) {
      expect([what, e.extensions?.code]).toEqual([
        what,
        expect.stringMatching(/^(UNAUTHENTICATED|FORBIDDEN|NOT_FOUND|BAD_USER_INPUT|CONFLICT)$/),
      ]);
      // Only our keys (and the name of a parser error, which makes yoga answer 400): nothing of
      // the input travels in extensions.
      const { code: _c, field: _f, originalError, ...rest } = e.extensions ?? {};
      expect([what, rest]).toEqual([what, {}]);
      if (originalError !== undefined)
        expect([what, Object.keys(originalError as object)]).toEqual([what, ['name']]);
    }
    expect([what, found(r.body, { ...needles, ...extra })]).toEqual([what, []]);
  }

  test('rejected updates name the field, never the value', async () => {
    const cr = await createRequest(gw(), owner.token, {
      runtimeToken: rt.apiToken,
      secretMounts: secretMounts(content),
    });
    const another = await issueToken(gw(), owner.token);
    const extra = tokenNeedles('another token', another.apiToken);
    for (const input of [
      { runtimeToken: rt.apiToken },
      { runtimeToken: another.apiToken },
      { secretMounts: secretMounts(content, '/other') },
      { name: 'ok', secretMounts: secretMounts(content), runtimeToken: another.apiToken },
      { command: [rt.apiToken] },
      { environment: { TOKEN: rt.apiToken } },
    ]) {
      const r = await updateRequest(gw(), owner.token, cr.uuid, input);
      expect(r.errors?.[0]?.message).toMatch(/^\w+ cannot be modified in state 'COMMITTED'$/);
      expectCleanError(`update ${Object.keys(input).join(',')}`, r, extra);
    }
    // A state change refused, with secrets in the same input.
    const back = await updateRequest(gw(), owner.token, cr.uuid, {
      state: 'UNCOMMITTED',
      runtimeToken: rt.apiToken,
    });
    expectCleanError('state back to UNCOMMITTED', back);
  });

  test('invalid runtime tokens are refused without echo', async () => {
    const expired = await issueToken(gw(), owner.token);
    await expireTokenNow(gw(), expired.uuid);
    const extra = tokenNeedles('expired token', expired.apiToken);
    const uncommitted = await createRequest(gw(), owner.token, { state: 'UNCOMMITTED' });
    for (const token of [
      expired.apiToken,
      rt.secret,
      bound(rt.apiToken, 'zzzzz-dz642-000000000000000'),
      `v2/${rt.uuid}/${rt.secret}x`,
      `v2/${rt.uuid}/${rt.secret}/`,
      `v2/zzzzy-gj3su-${'1'.repeat(15)}/${rt.secret}`,
      ` ${rt.apiToken}`,
      `${rt.apiToken}\n`,
    ]) {
      expectCleanError(
        `create with ${JSON.stringify(token.slice(0, 12))}…`,
        await gw().gql(CREATE, { i: requestInput({ runtimeToken: token }) }, owner.token),
        extra,
      );
      expectCleanError(
        `update with ${JSON.stringify(token.slice(0, 12))}…`,
        await gw().gql(UPDATE, { u: uncommitted.uuid, i: { runtimeToken: token } }, owner.token),
        extra,
      );
    }
  });

  test('variable validation failures do not echo the values (graphql-js would)', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['runtimeToken as an object', { runtimeToken: { token: rt.apiToken } }],
      [
        'runtimeToken as an object holding the secret alone',
        { runtimeToken: { uuid: rt.uuid, secret: rt.secret } },
      ],
      ['runtimeToken as a list', { runtimeToken: [rt.apiToken] }],
      [
        'runtimeToken as a number, secret mounts beside it',
        { runtimeToken: 42, secretMounts: secretMounts(content) },
      ],
      [
        'an unknown input field next to the token',
        { runtimeToken: rt.apiToken, secretMounts: secretMounts(content), bogus: rt.secret },
      ],
      [
        'a bad priority next to the token',
        { runtimeToken: rt.apiToken, secretMounts: secretMounts(content), priority: 'high' },
      ],
      ['a secret given as the state', { runtimeToken: rt.apiToken, state: rt.secret }],
      ['a secret given as a number field', { containerCountMax: rt.secret }],
      ['a secret given as a boolean field', { useExisting: rt.apiToken }],
    ];
    for (const [what, fields] of cases) {
      for (const [op, vars] of [
        ['create', { i: requestInput(fields) }],
        ['create without the required fields', { i: fields }],
      ] as const) {
        const r = await gw().gql(CREATE, vars, owner.token);
        expectCleanError(`${op}: ${what}`, r);
      }
      const cr = await createRequest(gw(), owner.token, { state: 'UNCOMMITTED' });
      expectCleanError(`update: ${what}`, await gw().gql(UPDATE, { u: cr.uuid, i: fields }, owner.token));
    }
    // The whole input of the wrong type, and a token as a variable of the wrong type.
    expectCleanError('input as a string', await gw().gql(CREATE, { i: rt.apiToken }, owner.token));
    expectCleanError(
      'input as a list',
      await gw().gql(CREATE, { i: [{ runtimeToken: rt.apiToken }] }, owner.token),
    );
    expectCleanError(
      'uuid as an object',
      await gw().gql(UPDATE, { u: { t: rt.secret }, i: {} }, owner.token),
    );
  });

  test('literal validation failures do not echo the values either', async () => {
    const base = 'command: ["x"], containerImage: "i", outputPath: "/o"';
    for (const inner of [
      `runtimeToken: {token: "${rt.apiToken}"}`,
      `runtimeToken: {uuid: "${rt.uuid}", secret: "${rt.secret}"}`,
      `runtimeToken: ["${rt.apiToken}"]`,
      `runtimeToken: ${rt.secret.replace(/^\d+/, 'x')}`,
      `runtimeToken: 42, secretMounts: {path: {kind: "text", content: "${content}"}}`,
      `runtimeToken: "${rt.apiToken}", secretMounts: {path: {kind: "text", content: "${content}"}}, priority: "high"`,
      `runtimeToken: "${rt.apiToken}", secretMounts: {path: {kind: "text", content: "${content}"}}, bogus: 1`,
      `state: ${rt.secret.replace(/^\d+/, 'x')}`,
      `containerCountMax: "${rt.secret}"`,
      `useExisting: "${rt.apiToken}"`,
    ]) {
      const r = await gw().gql(
        `mutation { createContainerRequest(input: {${base}, ${inner}}) { uuid } }`,
        {},
        owner.token,
      );
      // The secret with a leading letter, as it was sent when it had to be a name.
      expectCleanError(`literal ${inner.slice(0, 24)}…`, r, {
        'secret as a name': rt.secret.replace(/^\d+/, 'x'),
      });
    }
    // Syntax errors around a token.
    for (const q of [
      `mutation { createContainerRequest(input: {${base}, runtimeToken: "${rt.apiToken}"}`,
      `mutation { createContainerRequest(input: {${base}, runtimeToken: ${rt.apiToken}}) { uuid } }`,
      `mutation { createContainerRequest(input: {${base}, runtimeToken: "${rt.apiToken}}) { uuid } }`,
    ]) {
      expectCleanError(`syntax ${q.slice(-30)}`, await gw().gql(q, {}, owner.token));
    }
  });

  test('secret mount validation names the field, never the content', async () => {
    for (const [what, fields] of [
      [
        'a key repeating a mount',
        { mounts: { '/secret/creds': { kind: 'tmp' } }, secretMounts: secretMounts(content) },
      ],
      ['an entry that is not an object', { secretMounts: { '/s': content } }],
      ['an entry without kind', { secretMounts: { '/s': { content } } }],
      ['not an object', { secretMounts: content }],
      ['a list', { secretMounts: [content] }],
    ] as const) {
      const r = await gw().gql(CREATE, { i: requestInput(fields) }, owner.token);
      expect([what, r.errors?.[0]?.extensions?.field]).toEqual([what, 'secretMounts']);
      expectCleanError(what, r);
    }
  });

  test('bad Authorization headers are refused without echo', async () => {
    const queued = await createRequest(gw(), owner.token, {
      command: ['echo', 'queued'],
      runtimeToken: rt.apiToken,
    });
    for (const header of [
      `Bearer ${rt.apiToken} extra`,
      `Basic ${rt.apiToken}`,
      `Bearer ${rt.apiToken}/not-a-container`,
      `Bearer ${rt.apiToken}/${queued.containerUuid}`,
      `Bearer v2/${rt.uuid}/${rt.secret}x`,
      `Bearer ${rt.secret}x`,
      `Bearer ${rt.apiToken}/${queued.containerUuid}/extra`,
      `Bearer ${rt.apiToken.repeat(20)}`,
      `${rt.apiToken}`,
    ]) {
      const r = await gw().gql('{ me { uuid } }', {}, null, { authorization: header });
      expect([header.slice(0, 10), errorCode(r)]).toEqual([header.slice(0, 10), 'UNAUTHENTICATED']);
      expectCleanError(`header ${header.slice(0, 10)}…`, r);
    }
    // A remote-cluster header carrying a secret (salting uses it as a cluster id).
    const remote = await gw().gql('{ me { uuid } }', {}, `v2/${rt.uuid}/${'0'.repeat(40)}`, {
      'x-arvados-remote-cluster': rt.secret,
    });
    expectCleanError('x-arvados-remote-cluster', remote);
  });

  test('no log line carries a secret, request logs included', async () => {
    // Secrets where a request log could pick them up: the request id, the operation name, a
    // made-up root field, the token itself.
    await gw().gql('{ me { uuid } }', {}, owner.token, { 'x-request-id': rt.secret });
    await gw().gql('{ me { uuid } }', {}, owner.token, { 'x-request-id': rt.apiToken });
    await gw().gql(`query ${rt.secret} { me { uuid } }`, {}, owner.token);
    await gw().gql(`{ ${rt.secret} }`, {}, owner.token);
    await gw().gql('{ me { uuid } }', {}, rt.apiToken);
    // Every request of this file was logged (one line per operation), and not one line holds a secret.
    const requestLines = gw().logs.filter((l) => JSON.parse(l).msg === 'operation');
    expect(requestLines.length).toBeGreaterThanOrEqual(20);
    expect(requestLines.some((l) => l.includes(`"tokenUuid":"${rt.uuid}"`))).toBe(true);
    expect(found(gw().logs.join('\n'), needles)).toEqual([]);
  });
});
