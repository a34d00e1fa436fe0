// The loops the guards run before anything parses a request: they must name the right field
// and must not recurse (a value or a document may nest thousands deep).
import { scanDocument } from '../../src/server/document-scan.js';
import { inputFieldOf } from '../../src/server/errors-plugin.js';
import { nulPath } from '../../src/server/nul-guard.js';

const DEEP = 100_000;

describe('inputFieldOf', () => {
  test('is the top-level input field, else the argument or variable', () => {
    expect(inputFieldOf(['i', 'runtimeConstraints', 'vcpus'])).toBe('runtimeConstraints');
    expect(inputFieldOf(['i', 'name'])).toBe('name');
    expect(inputFieldOf(['uuid'])).toBe('uuid');
    expect(inputFieldOf([])).toBeUndefined();
  });
});

describe('nulPath', () => {
  test('finds the first string holding U+0000, in values and keys, skipping list indices', () => {
    expect(nulPath({ i: { name: 'ok', command: ['a', 'b\u0000'] } })).toEqual(['i', 'command']);
    expect(nulPath({ i: { properties: { a: [{ 'k\u0000': 1 }] } } })).toEqual(['i', 'properties', 'a']);
    expect(nulPath({ a: 'x\u0000', b: 'y\u0000' })).toEqual(['a']);
    expect(nulPath({ i: { name: 'u0000', n: 1, b: true, z: null } })).toBeNull();
    expect(nulPath(undefined)).toBeNull();
  });

  test('walks a value nested far deeper than the stack would allow', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < DEEP; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(nulPath({ i: { properties: deep } })?.slice(0, 2)).toEqual(['i', 'properties']);
  });
});

describe('scanDocument', () => {
  test('names the argument and input fields around a string holding U+0000', () => {
    expect(scanDocument('{ a(input: {p: {q: ["\\u0000"]}}) { b } }', { nul: true })?.names).toEqual([
      'input',
      'p',
      'q',
    ]);
    expect(scanDocument('{ x: a(u: "\\u0000") { b } }', { nul: true })?.names).toEqual(['u']);
    expect(scanDocument('query($v: F = {n: "\\u0000"}) { a }', { nul: true })?.names).toEqual(['v', 'n']);
    expect(scanDocument('{ a(u: "ok") { b } } # "\\u0000"', { nul: true })).toBeNull();
  });

  test('finds nesting beyond the limit without recursing, naming the field when in a value', () => {
    const literal = `{ a(input: {p: ${'['.repeat(DEEP)}1${']'.repeat(DEEP)}}) { b } }`;
    expect(scanDocument(literal, { maxDepth: 128 })?.names).toEqual(['input', 'p']);
    const selection = `{ ${'a { '.repeat(DEEP)}${'}'.repeat(DEEP)} }`;
    expect(scanDocument(selection, { maxDepth: 128 })?.names).toEqual([]);
    expect(
      scanDocument(`{ a(p: ${'['.repeat(120)}1${']'.repeat(120)}) { b } }`, { maxDepth: 128 }),
    ).toBeNull();
  });

  test('leaves documents that do not lex to the parser', () => {
    expect(scanDocument('{ a(u: "\\u0000 unterminated', { nul: true, maxDepth: 10 })).toBeNull();
  });
});
