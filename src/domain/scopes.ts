export type RootType = 'query' | 'mutation' | 'subscription';

// Every valid token may ask who it is (design.md §2); federation validation relies on it.
const ALWAYS_ALLOWED = new Set(['query:me', 'query:currentApiClientAuthorization']);

/** Whether a token with these scopes may select root field `field` of `root`. */
export function scopeAllows(scopes: readonly string[], root: RootType, field: string): boolean {
  if (field.startsWith('__')) return true; // __typename, introspection
  const name = `${root}:${field}`;
  if (ALWAYS_ALLOWED.has(name)) return true;
  return scopes.some((s) => s === 'all' || s === name || s === `${root}:*`);
}

const SCOPE_RE = /^(all|(query|mutation|subscription):(\*|[_A-Za-z][_0-9A-Za-z]*))$/;

/** Scopes a client may give a new token: `all`, or `<root>:<field>` / `<root>:*`. */
export function isValidScope(s: string): boolean {
  return SCOPE_RE.test(s);
}

/** Whether a token with `held` scopes grants everything `wanted` would (no minting broader tokens). */
export function scopeCovers(held: readonly string[], wanted: string): boolean {
  if (held.includes('all')) return true;
  if (wanted === 'all') return false;
  const [root, field] = wanted.split(':') as [RootType, string];
  return field === '*' ? held.includes(wanted) : held.some((s) => s === wanted || s === `${root}:*`);
}

export function normalizeScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes)].sort();
}
