import crypto from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';

/** A JSON object as Prisma writes it to a JSON column. */
export type JsonObject = Prisma.InputJsonObject;

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted at every depth: key order never matters for reuse. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** null and {} are the same object (design.md §8). */
export function objectOrEmpty(v: unknown): JsonObject {
  return isPlainObject(v) ? v : {};
}

/** MD5 of the key-sorted JSON of the secret mounts; kept after the scrub for reuse. */
export function secretMountsMd5(secretMounts: unknown): string {
  return crypto
    .createHash('md5')
    .update(canonicalJson(objectOrEmpty(secretMounts)))
    .digest('hex');
}
