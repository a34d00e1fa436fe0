// Input nested thousands deep (JSON through variables or literals, or a whole document) is the
// client's mistake: BAD_USER_INPUT naming the field, not a stack overflow masked as
// INTERNAL_SERVER_ERROR. The request bodies are written by hand: JSON.stringify itself
// overflows on such values.

import { requestInput } from '../helpers/api.js';
import { describeBackends } from '../helpers/gateway.js';

const CREATE = 'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }';
const UPDATE =
  'mutation($u: ID!, $i: UpdateContainerRequestInput!) { updateContainerRequest(uuid: $u, input: $i) { uuid } }';
const REQUIRED = 'command: ["x"], containerImage: "i", outputPath: "/o"';
const DEEP = 5000;

const objects = (n: number, json: boolean) => `${(json ? '{"a":' : '{a: ').repeat(n)}1${'}'.repeat(n)}`;
const lists = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;

describeBackends('deeply nested input', (gw) => {
  async function post(body: string) {
    const res = await gw().gateway.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw().rootToken}` },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      errors: JSON.parse(text).errors as
        | { message: string; extensions: Record<string, unknown> }[]
        | undefined,
      data: JSON.parse(text).data,
    };
  }

  /** A create whose input is the usual one with `field` set to the raw JSON text `value`. */
  const createWith = (field: string, value: string) =>
    post(
      `{"query": ${JSON.stringify(CREATE)}, "variables": {"i": ${JSON.stringify(requestInput()).slice(0, -1)}, "${field}": ${value}}}}`,
    );
  const literal = (field: string, value: string) =>
    post(
      JSON.stringify({
        query: `mutation { createContainerRequest(input: {${REQUIRED}, ${field}: ${value}}) { uuid } }`,
      }),
    );
  const count = async () =>
    (await gw().gql('{ containerRequests { totalCount } }')).data.containerRequests.totalCount as number;

  test('JSON variables 5000 deep, objects or lists, in any JSON field', async () => {
    const before = await count();
    for (const [field, value] of [
      ['properties', objects(DEEP, true)],
      ['secretMounts', objects(DEEP, true)],
      ['secretMounts', lists(DEEP)],
      ['runtimeConstraints', `{"vcpus": 1, "ram": 1, "x": ${lists(DEEP)}}`],
    ]) {
      const r = await createWith(field!, value!);
      expect([field, r.errors?.[0]?.extensions]).toEqual([field, { code: 'BAD_USER_INPUT', field }]);
      expect(r.errors?.[0]?.message).toBe(
        `Variable "$…" got invalid value at "….${field}"; JSON values may nest at most 64 levels deep`,
      );
    }
    expect(await count()).toBe(before);
  });

  test('the same through an update', async () => {
    const cr = await gw().gql(CREATE, { i: requestInput({ state: 'UNCOMMITTED' }) });
    const r = await post(
      `{"query": ${JSON.stringify(UPDATE)}, "variables": {"u": "${cr.data.createContainerRequest.uuid}", "i": {"mounts": ${objects(DEEP, true)}}}}`,
    );
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'mounts' });
  });

  test('64 levels are accepted, 65 are not', async () => {
    expect((await createWith('properties', objects(64, true))).errors).toBeUndefined();
    expect((await createWith('properties', objects(65, true))).errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'properties',
    });
    expect((await literal('properties', `{a: ${lists(63)}}`)).errors).toBeUndefined();
    const over = await literal('properties', `{a: ${lists(64)}}`);
    expect(over.errors?.[0]).toEqual({
      message: 'JSON values may nest at most 64 levels deep',
      locations: expect.anything(),
      extensions: { code: 'BAD_USER_INPUT', field: 'properties' },
    });
  });

  test('JSON literals: too deep for the scalar, and too deep for the parser', async () => {
    const before = await count();
    for (const [field, value] of [
      ['properties', objects(100, false)],
      ['secretMounts', lists(100)],
      ['properties', objects(DEEP, false)],
      ['secretMounts', lists(DEEP)],
    ]) {
      const r = await literal(field!, value!);
      expect([field, r.errors?.[0]?.extensions]).toEqual([field, { code: 'BAD_USER_INPUT', field }]);
    }
    expect(await count()).toBe(before);
  });

  test('a document nested too deep elsewhere is refused', async () => {
    for (const [query, extensions] of [
      [`{ ${'containerRequests { '.repeat(DEEP)}${'}'.repeat(DEEP)} }`, { code: 'BAD_USER_INPUT' }],
      // A variable's own name is the request's, not the schema's: not echoed as the field.
      [`query($v: ${'['.repeat(DEEP)}String${']'.repeat(DEEP)}) { me { uuid } }`, { code: 'BAD_USER_INPUT' }],
    ] as const) {
      const r = await post(JSON.stringify({ query }));
      expect(r.errors?.[0]?.extensions).toEqual(extensions);
      expect(r.errors?.[0]?.message).toBe('The document nests more than 128 levels deep');
    }
  });

  test('none of it reached the mask as an unexpected error', () => {
    expect(gw().logs.filter((l) => l.includes('unexpected error'))).toEqual([]);
  });
});
