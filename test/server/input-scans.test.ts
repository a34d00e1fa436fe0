// The loops the guards run before anything parses a request: they must name the right field
// and must not recurse (a value or a document may nest thousands deep).
import { inputFieldOf, scanDocument, unstorablePath } from '../../src/server/input-guard.js';

const DEEP = 100_000;

describe('inputFieldOf', () => {
  test('is the top-level input field, else the argument or variable', () => {
    expect(inputFieldOf(['i', 'runtimeConstraints', 'vcpus'])).toBe('runtimeConstraints');
    expect(inputFieldOf(['i', 'name'])).toBe('name');
    expect(inputFieldOf(['uuid'])).toBe('uuid');
    expect(inputFieldOf([])).toBeUndefined();
  });
});

describe('unstorablePath', () => {
  test('finds the first string holding U+0000, in values and keys, skipping list indices', () => {
    expect(unstorablePath({ i: { name: 'ok', command: ['a', 'b\u0000'] } })).toEqual(['i', 'command']);
    expect(unstorablePath({ i: { properties: { a: [{ 'k\u0000': 1 }] } } })).toEqual([
      'i',
      'properties',
      'a',
    ]);
    expect(unstorablePath({ a: 'x\u0000', b: 'y\u0000' })).toEqual(['a']);
    expect(unstorablePath({ i: { name: 'u0000', n: 1, b: true, z: null } })).toBeNull();
    expect(unstorablePath(undefined)).toBeNull();
  });

  test('walks a value nested far deeper than the stack would allow', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < DEEP; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(unstorablePath({ i: { properties: deep } })?.slice(0, 2)).toEqual(['i', 'properties']);
  });
});

describe('scanDocument', () => {
  test('names the argument and input fields around a string holding U+0000', () => {
    expect(scanDocument('{ a(input: {p: {q: ["\\u0000"]}}) { b } }').nul).toEqual(['input', 'p', 'q']);
    expect(scanDocument('{ x: a(u: "\\u0000") { b } }').nul).toEqual(['u']);
    expect(scanDocument('query($v: F = {n: "\\u0000"}) { a }').nul).toEqual(['v', 'n']);
    expect(scanDocument('{ a(u: "ok") { b } } # "\\u0000"').nul).toBeNull();
  });

  test('finds nesting beyond the limit without recursing, naming the field when in a value', () => {
    const literal = `{ a(input: {p: ${'['.repeat(DEEP)}1${']'.repeat(DEEP)}}) { b } }`;
    expect(scanDocument(literal, 128).tooDeep).toEqual(['input', 'p']);
    const selection = `{ ${'a { '.repeat(DEEP)}${'}'.repeat(DEEP)} }`;
    expect(scanDocument(selection, 128).tooDeep).toEqual([]);
    expect(scanDocument(`{ a(p: ${'['.repeat(120)}1${']'.repeat(120)}) { b } }`, 128).tooDeep).toBeNull();
  });

  test('leaves documents that do not lex to the parser', () => {
    expect(scanDocument('{ a(u: "\\u0000 unterminated', 10)).toEqual({ tooDeep: null, nul: null });
  });
});
