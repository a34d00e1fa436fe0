import { requestInput } from '../helpers/api.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';

describeBackends('the NUL character', (gw) => {
  test('in a variable is BAD_USER_INPUT, and nothing is written', async () => {
    const before = await gw().gql('{ containerRequests { totalCount } }');
    const r = await gw().gql(
      'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }',
      {
        i: requestInput({ name: 'a\u0000b' }),
      },
    );
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/NUL/);
    const after = await gw().gql('{ containerRequests { totalCount } }');
    expect(after.data.containerRequests.totalCount).toBe(before.data.containerRequests.totalCount);
  });

  test('in a JSON value and in a string literal of the document is BAD_USER_INPUT', async () => {
    const json = await gw().gql(
      'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }',
      {
        i: requestInput({ properties: { k: 'x\u0000' } }),
      },
    );
    expect(errorCode(json)).toBe('BAD_USER_INPUT');
    const literal = await gw().gql(
      '{ containerRequests(filter: {nameContains: "a\\u0000"}) { totalCount } }',
    );
    expect(errorCode(literal)).toBe('BAD_USER_INPUT');
  });

  test('ordinary strings still pass', async () => {
    const r = await gw().gql('{ containerRequests(filter: {nameContains: "u0000"}) { totalCount } }');
    expect(r.errors).toBeUndefined();
  });
});

describeBackends('unpaired UTF-16 surrogates', (gw) => {
  test.each([
    ['a lone high surrogate in a JSON value', { properties: { k: 'x\ud800' } }, 'properties'],
    ['a lone low surrogate in a text field', { name: 'x\udc00y' }, 'name'],
    ['a lone surrogate in a JSON key', { environment: { 'k\ud800': 'v' } }, 'environment'],
  ])('%s is BAD_USER_INPUT naming the field, and nothing is written', async (_what, override, field) => {
    const before = await gw().gql('{ containerRequests { totalCount } }');
    const r = await gw().gql(
      'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }',
      { i: requestInput(override) },
    );
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    const after = await gw().gql('{ containerRequests { totalCount } }');
    expect(after.data.containerRequests.totalCount).toBe(before.data.containerRequests.totalCount);
  });

  test('a well-formed pair (an emoji) is stored and read back unchanged', async () => {
    const r = await gw().gql(
      'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { name properties } }',
      {
        i: requestInput({ name: 'run 🚀', properties: { tag: '🧪' } }),
      },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.createContainerRequest).toEqual({ name: 'run 🚀', properties: { tag: '🧪' } });
  });
});
