import type { Prisma } from '../generated/prisma/client.js';

/**
 * A value for a JSON column, written with every key it has. Prisma copies a plain object's keys
 * by assignment before it serialises it, and `copy['__proto__'] = v` sets the copy's prototype
 * instead of adding a key: a mount point or an environment variable named `__proto__` was
 * silently lost. Handed over through toJSON as the JSON text (the query protocol's tagged Json
 * value), the value is only ever re-read by JSON.parse, which keeps every key as data.
 */
export function jsonColumn(value: Prisma.InputJsonValue): Prisma.InputJsonValue {
  const text = JSON.stringify(value);
  return { toJSON: () => ({ $type: 'Json', value: text }) };
}

/** `data` with the values under `keys` (its JSON columns) handed over as jsonColumn does. */
export function withJsonColumns<T extends object>(data: T, keys: readonly (keyof T & string)[]): T {
  const out = { ...data };
  for (const k of keys) {
    const v = out[k];
    if (v !== undefined && v !== null) out[k] = jsonColumn(v as Prisma.InputJsonValue) as T[typeof k];
  }
  return out;
}
