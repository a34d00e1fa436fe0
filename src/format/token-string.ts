import { clusterOf, isUuid } from './uuid.js';

/** A token string as a client sends it (design.md §2). */
export type ParsedToken =
  | { version: 1; secret: string }
  | { version: 2; uuid: string; secret: string; containerUuid?: string };

// Anything longer is not a token we issue or accept; refuse before doing any work on it.
const MAX_TOKEN_LENGTH = 512;
const SECRET_RE = /^[0-9a-zA-Z]{1,128}$/;

/**
 * Parses v1 (bare secret), v2 (`v2/<uuid>/<secret>`) and container-bound v2
 * (`v2/<uuid>/<secret>/<container uuid>`). Returns null for anything else.
 */
export function parseToken(raw: string): ParsedToken | null {
  if (!raw || raw.length > MAX_TOKEN_LENGTH) return null;
  if (!raw.startsWith('v2/')) return SECRET_RE.test(raw) ? { version: 1, secret: raw } : null;
  const parts = raw.split('/');
  if (parts.length !== 3 && parts.length !== 4) return null;
  const [, uuid, secret, containerUuid] = parts as [string, string, string, string | undefined];
  if (!isUuid(uuid, 'token') || !SECRET_RE.test(secret)) return null;
  if (containerUuid !== undefined && !isUuid(containerUuid, 'container')) return null;
  return containerUuid === undefined
    ? { version: 2, uuid, secret }
    : { version: 2, uuid, secret, containerUuid };
}

/** A runtime token must be a plain v2 token: no v1, no container-bound 4th part (design.md §4). */
export function parseRuntimeToken(raw: string): { uuid: string; secret: string } | null {
  const t = parseToken(raw);
  return t && t.version === 2 && t.containerUuid === undefined ? { uuid: t.uuid, secret: t.secret } : null;
}

/**
 * SYSTEM_ROOT_TOKEN: a plain v2 token of this cluster (no container-bound 4th part) or a bare
 * secret; null for anything else. The one rule for loadConfig and bootstrapSystem.
 */
export function parseSystemRootToken(
  raw: string,
  clusterId: string,
): Exclude<ParsedToken, { containerUuid: string }> | null {
  const t = parseToken(raw);
  if (!t) return null;
  if (t.version === 1) return t;
  return t.containerUuid === undefined && clusterOf(t.uuid) === clusterId
    ? { version: 2, uuid: t.uuid, secret: t.secret }
    : null;
}

// The system root token is an admin's: a short or patterned secret (`a`, `changeme…`,
// `password1234password1234…`) is one an attacker guesses. Random secrets pass by a wide margin:
// 32 characters of [0-9a-f] show fewer than 10 different ones about once in 10,000 draws, and
// repeat an 8-character run about once in 10^7 (our own have 50 of [0-9a-z]).
const ROOT_SECRET_MIN_LENGTH = 32;
const ROOT_SECRET_MIN_DISTINCT = 10;
const ROOT_SECRET_RUN = 8;
export const ROOT_SECRET_RULE = `its secret needs at least ${ROOT_SECRET_MIN_LENGTH} characters, at least ${ROOT_SECRET_MIN_DISTINCT} of them different, and no ${ROOT_SECRET_RUN}-character run twice (e.g. \`openssl rand -hex 32\`)`;

/** True for a secret too short or too patterned to be an admin's (ROOT_SECRET_RULE). */
export function weakSecret(secret: string): boolean {
  if (secret.length < ROOT_SECRET_MIN_LENGTH || new Set(secret).size < ROOT_SECRET_MIN_DISTINCT) return true;
  const runs = new Set<string>();
  for (let i = 0; i + ROOT_SECRET_RUN <= secret.length; i++) {
    const run = secret.slice(i, i + ROOT_SECRET_RUN);
    if (runs.has(run)) return true;
    runs.add(run);
  }
  return false;
}

export function formatV2(uuid: string, secret: string): string {
  return `v2/${uuid}/${secret}`;
}

/** The token from an `Authorization: Bearer …` or `OAuth2 …` header, or null. */
export function tokenFromAuthorizationHeader(header: string | null | undefined): string | null {
  if (!header) return null;
  const m = /^(?:Bearer|OAuth2)\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}
