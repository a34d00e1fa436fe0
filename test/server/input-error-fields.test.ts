// design.md §9: validation errors carry extensions.field — GraphQL's own input errors included
// (variable coercion, literal arguments, the DateTime scalar, the NUL guard), named the way the
// domain's badInput names them: the top-level input field at fault, or the argument when it is
// wrong as a whole (for a variable, the argument it gives: its own name is the request's, as is
// an unknown field's, and errors name only what the schema has).

import { requestInput } from '../helpers/api.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends, type GqlResult } from '../helpers/gateway.js';
import { mountSecret } from '../helpers/secrets.js';

const CREATE = 'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }';
const TOKEN =
  'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid } }';
const LIST = 'query($f: ContainerRequestFilter) { containerRequests(filter: $f) { totalCount } }';
const GET = 'query($u: ID!) { containerRequest(uuid: $u) { uuid } }';
const REQUIRED = 'command: ["x"], containerImage: "i", outputPath: "/o"';

/** [what, code, field] of the first error, for readable failures. */
function fault(what: string, r: GqlResult) {
  return [what, errorCode(r), r.errors?.[0]?.extensions?.field];
}

describeBackends('input errors name the field', (gw) => {
  test('variable coercion errors: the top-level input field, else the argument it gives', async () => {
    const cases: [string, string, Record<string, unknown>, string | undefined][] = [
      ['a mistyped field', CREATE, { i: requestInput({ priority: 'high' }) }, 'priority'],
      ['a mistyped list item', CREATE, { i: requestInput({ command: ['echo', 1] }) }, 'command'],
      ['a missing required field', CREATE, { i: { ...requestInput(), command: undefined } }, 'command'],
      ['an unknown field', CREATE, { i: requestInput({ bogus: 1 }) }, undefined],
      ['a filter field', LIST, { f: { nameContains: 5 } }, 'nameContains'],
      ['a DateTime that is not one', TOKEN, { i: { expiresAt: 'tomorrow' } }, 'expiresAt'],
      ['the whole input of the wrong type', CREATE, { i: 5 }, 'input'],
      ['the whole input missing', CREATE, {}, 'input'],
      ['an ID variable of the wrong type', GET, { u: { x: 1 } }, 'uuid'],
    ];
    for (const [what, query, variables, field] of cases) {
      expect(fault(what, await gw().gql(query, variables))).toEqual([what, 'BAD_USER_INPUT', field]);
    }
  });

  test('variable errors keep the path and the reason in the message', async () => {
    const r = await gw().gql(CREATE, { i: requestInput({ priority: 'high' }) });
    expect(r.errors?.[0]?.message).toBe(
      'Variable "$…" got invalid value at "….priority"; Int cannot represent non-integer value.',
    );
    const d = await gw().gql(TOKEN, { i: { expiresAt: 'tomorrow' } });
    expect(d.errors?.[0]?.message).toBe(
      'Variable "$…" got invalid value at "….expiresAt"; DateTime must be an ISO 8601 string',
    );
  });

  test('a value that looks like the path or the separator cannot smuggle itself into the message', async () => {
    // graphql-js writes `got invalid value <value> at "<path>"; <reason>`: a value holding
    // '; ' or ' at "…"' must not move the cut.
    const secret = mountSecret();
    for (const [what, fields] of [
      ['in a string', { name: `a; ${secret} at "i.x"; b`, priority: 'high' }],
      ['in a key', { properties: { [`k; ${secret}`]: 1 }, priority: 'high' }],
      [
        'in a secret mount',
        { secretMounts: { '/s': { kind: 'text', content: `; ${secret}` } }, priority: 'high' },
      ],
    ] as const) {
      const r = await gw().gql(CREATE, { i: requestInput(fields) });
      expect(fault(what, r)).toEqual([what, 'BAD_USER_INPUT', 'priority']);
      expect([what, r.body.includes(secret)]).toEqual([what, false]);
    }
  });

  test('literal argument errors: the top-level input field, else the argument', async () => {
    const cases: [string, string, string | undefined][] = [
      [
        'a mistyped field',
        `mutation { createContainerRequest(input: {${REQUIRED}, name: 1}) { uuid } }`,
        'name',
      ],
      [
        'a mistyped list item',
        `mutation { createContainerRequest(input: {${REQUIRED}, priority: 1, command: ["x", 2]}) { uuid } }`,
        'command',
      ],
      [
        'a missing required field',
        'mutation { createContainerRequest(input: {containerImage: "i", outputPath: "/o"}) { uuid } }',
        'command',
      ],
      [
        'an unknown field',
        `mutation { createContainerRequest(input: {${REQUIRED}, bogus: 1}) { uuid } }`,
        undefined,
      ],
      ['a filter field', '{ containerRequests(filter: {nameContains: 5}) { totalCount } }', 'nameContains'],
      [
        'a DateTime that is not one',
        'mutation { createApiClientAuthorization(input: {expiresAt: "tomorrow"}) { uuid } }',
        'expiresAt',
      ],
      ['an argument of the wrong type', '{ containerRequest(uuid: {x: 1}) { uuid } }', 'uuid'],
      ['a missing argument', '{ containerRequest { uuid } }', 'uuid'],
      ['an unknown argument', '{ containerRequest(uuid: "x", bogus: 1) { uuid } }', undefined],
      [
        'a variable default',
        'query($f: ContainerRequestFilter = {nameContains: 5}) { containerRequests(filter: $f) { totalCount } }',
        'nameContains',
      ],
    ];
    for (const [what, query, field] of cases) {
      expect(fault(what, await gw().gql(query))).toEqual([what, 'BAD_USER_INPUT', field]);
    }
    const d = await gw().gql(
      'mutation { createApiClientAuthorization(input: {expiresAt: "tomorrow"}) { uuid } }',
    );
    expect(d.errors?.[0]?.message).toBe('DateTime must be an ISO 8601 string');
  });

  test('errors that are not about an input value name no field', async () => {
    for (const query of ['{ nope }', '{ containerRequests { totalCount nope } }', '{ containerRequests(']) {
      const r = await gw().gql(query);
      expect([query, errorCode(r), 'field' in (r.errors?.[0]?.extensions ?? {})]).toEqual([
        query,
        'BAD_USER_INPUT',
        false,
      ]);
    }
  });

  test('the NUL guard names the field holding the character', async () => {
    const before = await gw().gql('{ containerRequests { totalCount } }');
    const cases: [string, string, Record<string, unknown> | undefined, string][] = [
      ['a string field', CREATE, { i: requestInput({ name: 'a\u0000b' }) }, 'name'],
      [
        'deep in a JSON field',
        CREATE,
        { i: requestInput({ runtimeConstraints: { vcpus: 1, ram: 1, x: [{ y: 'a\u0000' }] } }) },
        'runtimeConstraints',
      ],
      ['a key of a JSON field', CREATE, { i: requestInput({ properties: { 'k\u0000': 1 } }) }, 'properties'],
      ['a list item', CREATE, { i: requestInput({ command: ['echo', '\u0000'] }) }, 'command'],
      [
        'a variable that is a string',
        'query($d: String) { containerRequests(filter: {nameContains: $d}) { totalCount } }',
        { d: 'a\u0000' },
        'nameContains',
      ],
      [
        'a literal, spelled \\u0000',
        '{ containerRequests(filter: {nameContains: "a\\u0000"}) { totalCount } }',
        undefined,
        'nameContains',
      ],
      [
        'a literal, raw',
        '{ containerRequests(filter: {nameContains: "a\u0000"}) { totalCount } }',
        undefined,
        'nameContains',
      ],
      ['a block string literal', '{ containerRequest(uuid: """a\u0000""") { uuid } }', undefined, 'uuid'],
      [
        'deep in a JSON literal',
        `mutation { createContainerRequest(input: {${REQUIRED}, properties: {a: [{b: "\\u0000"}]}}) { uuid } }`,
        undefined,
        'properties',
      ],
    ];
    for (const [what, query, variables, field] of cases) {
      const r = await gw().gql(query, variables);
      expect(fault(what, r)).toEqual([what, 'BAD_USER_INPUT', field]);
      expect([what, r.errors?.[0]?.message]).toEqual([
        what,
        'Strings must not contain the NUL character (U+0000) or an unpaired surrogate',
      ]);
    }
    const after = await gw().gql('{ containerRequests { totalCount } }');
    expect(after.data.containerRequests.totalCount).toBe(before.data.containerRequests.totalCount);
  });

  test('a NUL outside any string is refused with no field; \\u0000 spelled in a block string or a comment is text', async () => {
    const raw = await gw().gql('{ containerRequests { totalCount } }\u0000');
    expect(raw.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    const block = await gw().gql(
      '{ containerRequests(filter: {nameContains: """\\u0000"""}) { totalCount } } # \\u0000',
    );
    expect(block.errors).toBeUndefined();
  });
});
