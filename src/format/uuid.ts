import crypto from 'node:crypto';

/** Type infixes of design.md §1. */
export const INFIX = {
  user: 'tpzed',
  token: 'gj3su',
  containerRequest: 'xvhdp',
  container: 'dz642',
} as const;
export type ObjectKind = keyof typeof INFIX;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function randomBase36(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[crypto.randomInt(36)];
  return out;
}

export function newUuid(clusterId: string, kind: ObjectKind): string {
  return `${clusterId}-${INFIX[kind]}-${randomBase36(15)}`;
}

export function systemUserUuid(clusterId: string): string {
  return `${clusterId}-${INFIX.user}-000000000000000`;
}

const UUID_RE = /^([0-9a-z]{5})-([0-9a-z]{5})-([0-9a-z]{15})$/;

/** True when s is a well-formed uuid, of the given kind if one is named. */
export function isUuid(s: string, kind?: ObjectKind): boolean {
  const m = UUID_RE.exec(s);
  return !!m && (!kind || m[2] === INFIX[kind]);
}

export function clusterOf(uuid: string): string {
  return uuid.slice(0, 5);
}

/** Token secrets: random base-36, 50 characters (design.md §2: 32 to 50). */
export function newSecret(): string {
  return randomBase36(50);
}
