import {
  formatV2,
  parseRuntimeToken,
  parseSystemRootToken,
  parseToken,
  tokenFromAuthorizationHeader,
  weakSecret,
} from '../../src/format/token-string.js';

const UUID = 'zzzzz-gj3su-0123456789abcde';
const CONTAINER = 'zzzzz-dz642-0123456789abcde';
const SECRET = 'abcdefghijklmnopqrstuvwxyz0123456789';

describe('parseToken', () => {
  test('v2: v2/<token uuid>/<secret>', () => {
    expect(parseToken(`v2/${UUID}/${SECRET}`)).toEqual({ version: 2, uuid: UUID, secret: SECRET });
  });

  test('container-bound v2: a 4th part that is a container uuid', () => {
    expect(parseToken(`v2/${UUID}/${SECRET}/${CONTAINER}`)).toEqual({
      version: 2,
      uuid: UUID,
      secret: SECRET,
      containerUuid: CONTAINER,
    });
  });

  test('v1: a bare secret', () => {
    expect(parseToken(SECRET)).toEqual({ version: 1, secret: SECRET });
    expect(parseToken('X9')).toEqual({ version: 1, secret: 'X9' });
  });

  test('salted v2 (40 hex characters) parses as v2', () => {
    expect(parseToken(`v2/${UUID}/${'0123456789abcdef0123456789abcdef01234567'}`)).toMatchObject({
      version: 2,
      uuid: UUID,
    });
  });

  test.each([
    ['empty', ''],
    ['only the prefix', 'v2/'],
    ['wrong prefix v3', `v3/${UUID}/${SECRET}`],
    ['upper-case prefix', `V2/${UUID}/${SECRET}`],
    ['prefix without slash', `v2${UUID}/${SECRET}`],
    ['26-character uuid', `v2/zzzzz-gj3su-0123456789abcd/${SECRET}`],
    ['28-character uuid', `v2/zzzzz-gj3su-0123456789abcdef/${SECRET}`],
    ['upper-case uuid', `v2/ZZZZZ-GJ3SU-0123456789ABCDE/${SECRET}`],
    ['user infix instead of token infix', `v2/zzzzz-tpzed-0123456789abcde/${SECRET}`],
    ['container infix instead of token infix', `v2/${CONTAINER}/${SECRET}`],
    ['missing secret', `v2/${UUID}`],
    ['empty secret', `v2/${UUID}/`],
    ['empty uuid', `v2//${SECRET}`],
    ['empty 4th part', `v2/${UUID}/${SECRET}/`],
    ['4th part not a container uuid', `v2/${UUID}/${SECRET}/zzzzz-xvhdp-0123456789abcde`],
    ['4th part garbage', `v2/${UUID}/${SECRET}/hello`],
    ['five parts', `v2/${UUID}/${SECRET}/${CONTAINER}/x`],
    ['secret with punctuation', `v2/${UUID}/abc-def`],
    ['unicode in the secret', `v2/${UUID}/sécret`],
    ['emoji secret', `v2/${UUID}/🔑🔑🔑`],
    ['full-width digits', `v2/${UUID}/１２３`],
    ['unicode bare secret', 'sécret'],
    ['leading space', ` v2/${UUID}/${SECRET}`],
    ['trailing newline', `v2/${UUID}/${SECRET}\n`],
    ['bare secret with a slash', 'abc/def'],
    ['10 KB v2 token', `v2/${UUID}/${'a'.repeat(10 * 1024)}`],
    ['10 KB bare secret', 'a'.repeat(10 * 1024)],
    ['secret longer than 128 characters', `v2/${UUID}/${'a'.repeat(129)}`],
  ])('rejects %s', (_name, raw) => {
    expect(parseToken(raw)).toBeNull();
  });
});

describe('parseRuntimeToken (design.md §4: plain v2 only)', () => {
  test('accepts v2', () => {
    expect(parseRuntimeToken(`v2/${UUID}/${SECRET}`)).toEqual({ uuid: UUID, secret: SECRET });
  });
  test('rejects v1, container-bound and malformed tokens', () => {
    expect(parseRuntimeToken(SECRET)).toBeNull();
    expect(parseRuntimeToken(`v2/${UUID}/${SECRET}/${CONTAINER}`)).toBeNull();
    expect(parseRuntimeToken(`v2/${UUID}/`)).toBeNull();
    expect(parseRuntimeToken('')).toBeNull();
  });
});

test('formatV2 round-trips through parseToken', () => {
  expect(parseToken(formatV2(UUID, SECRET))).toEqual({ version: 2, uuid: UUID, secret: SECRET });
});

describe('tokenFromAuthorizationHeader', () => {
  test.each([
    [`Bearer v2/${UUID}/${SECRET}`, `v2/${UUID}/${SECRET}`],
    [`OAuth2 v2/${UUID}/${SECRET}`, `v2/${UUID}/${SECRET}`],
    ['bearer abc', 'abc'],
    ['oauth2 abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
  ])('%j gives the token', (header, token) => {
    expect(tokenFromAuthorizationHeader(header)).toBe(token);
  });

  test.each([
    null,
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'Token abc',
    'Bearer a b',
    'abc',
    'BearerX abc',
  ])('%j gives no token', (header) => {
    expect(tokenFromAuthorizationHeader(header)).toBeNull();
  });
});

// The one SYSTEM_ROOT_TOKEN rule, used by loadConfig and by bootstrapSystem
// (test/config.test.ts and test/auth/bootstrap.test.ts check each refuses with its own message).
describe('parseSystemRootToken', () => {
  test('a plain v2 token of this cluster, or a bare secret', () => {
    expect(parseSystemRootToken(`v2/${UUID}/${SECRET}`, 'zzzzz')).toEqual({
      version: 2,
      uuid: UUID,
      secret: SECRET,
    });
    expect(parseSystemRootToken(SECRET, 'zzzzz')).toEqual({ version: 1, secret: SECRET });
    expect(parseSystemRootToken(SECRET, 'aaaaa')).toEqual({ version: 1, secret: SECRET });
  });

  test.each([
    ["another cluster's v2 token", `v2/${UUID}/${SECRET}`, 'aaaaa'],
    ['a container-bound v2 token', `v2/${UUID}/${SECRET}/${CONTAINER}`, 'zzzzz'],
    ['no token at all', 'not a token!', 'zzzzz'],
    ['a v2 token whose uuid only starts like ours', `v2/zzzzzz-gj3su-0123456789abcd/${SECRET}`, 'zzzzz'],
  ])('refuses %s', (_name, raw, clusterId) => {
    expect(parseSystemRootToken(raw, clusterId)).toBeNull();
  });
});

describe('weakSecret (the SYSTEM_ROOT_TOKEN strength rule)', () => {
  test.each([
    ['50 characters of [0-9a-z], as we generate', '7k2m9x4q1w8z3t6r0y5u2p7s4d9f1g3h6j8l0n2b5v7c9x1z4m'],
    ['openssl rand -hex 16', '9c1f0e7a3b5d2846f1e0c9a7b3d5e824'],
    ['openssl rand -hex 32', '3f9a1c7e5b2d8046a1f3c9e7b5d20864e2c4a6f8b0d1e3f5a7c9b2d4f6e8a0c1'],
  ])('accepts %s', (_name, secret) => {
    expect(weakSecret(secret)).toBe(false);
  });

  test.each([
    ['one character', 'a'],
    ['31 random characters', SECRET.slice(0, 31)],
    ['nine different characters', '012345678'.repeat(4)],
    ['an 8-character run twice', 'password1234hunter2password1234hunter2'],
  ])('refuses %s', (_name, secret) => {
    expect(weakSecret(secret)).toBe(true);
  });
});
