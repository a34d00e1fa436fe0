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

/**
 * What a token presented at home in its salted form may select (design.md §7): only the
 * question the remote cluster asks its home. Anyone holding the salted form (the remote
 * cluster, or whoever it leaked to) could otherwise act as the user here, mint raw tokens…
 */
export function saltedAllows(root: RootType, field: string): boolean {
  return field.startsWith('__') || (root === 'query' && field === 'currentApiClientAuthorization');
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
