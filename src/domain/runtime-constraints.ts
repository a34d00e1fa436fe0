import { badInput } from '../errors.js';
import { isPlainObject, type JsonObject } from './canonical.js';

// Bounds of the numeric runtime constraints (design.md §3, Validation): whole numbers a scheduler can
// act on. Without them 1e308 vCPUs or a negative cache was stored and copied into the container.
const TiB = 2 ** 40;
/** The largest byte count any constraint may ask for: 2^50 bytes (1 PiB). */
export const MAX_BYTES = 1024 * TiB;
export const MAX_VCPUS = 1024;
export const MAX_DEVICES = 1024;

type Bounds = readonly [min: number, max: number];

/** Each numeric constraint: where it is (nested keys) and its range. */
export const RUNTIME_CONSTRAINT_BOUNDS: readonly [path: readonly string[], bounds: Bounds][] = [
  [['vcpus'], [1, MAX_VCPUS]],
  [['ram'], [1, MAX_BYTES]],
  [['keep_cache_ram'], [0, MAX_BYTES]],
  [['keep_cache_disk'], [0, MAX_BYTES]],
  [
    ['cuda', 'device_count'],
    [0, MAX_DEVICES],
  ],
  [
    ['gpu', 'device_count'],
    [0, MAX_DEVICES],
  ],
  [
    ['gpu', 'vram'],
    [0, MAX_BYTES],
  ],
];

const FIELD = 'runtimeConstraints';

/**
 * Checks every numeric constraint present (whatever the state: an UNCOMMITTED request keeps what
 * it is given, and is copied as is at commit); `cuda` and `gpu`, when present, must be objects.
 * Which constraints a commit needs is checkCommittable's business.
 */
export function checkRuntimeConstraints(rc: JsonObject): void {
  for (const group of ['cuda', 'gpu']) {
    if (Object.hasOwn(rc, group) && !isPlainObject(rc[group]))
      throw badInput(FIELD, `${FIELD}.${group} must be a JSON object`);
  }
  for (const [path, [min, max]] of RUNTIME_CONSTRAINT_BOUNDS) {
    const parent = path.length === 1 ? rc : (rc[path[0]!] as JsonObject | undefined);
    const key = path[path.length - 1]!;
    if (!parent || !Object.hasOwn(parent, key)) continue;
    const v = parent[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw badInput(FIELD, `${FIELD}.${path.join('.')} must be an integer from ${min} to ${max}`);
  }
}
