import { badInput } from '../errors.js';
import type { ContainerRequestState } from '../generated/prisma/client.js';
import { canonicalJson, isPlainObject, type JsonObject, objectOrEmpty } from './canonical.js';
import { refuseExplicitNull } from './explicit-null.js';
import { checkRuntimeConstraints } from './runtime-constraints.js';

/** Client-settable fields of a container request (CreateContainerRequestInput in schema.graphql). */
export interface ContainerRequestInput {
  name?: string | null;
  description?: string | null;
  properties?: unknown;
  state?: ContainerRequestState | null;
  priority?: number | null;
  command?: string[] | null;
  containerImage?: string | null;
  cwd?: string | null;
  environment?: unknown;
  mounts?: unknown;
  outputPath?: string | null;
  runtimeConstraints?: unknown;
  schedulingParameters?: unknown;
  useExisting?: boolean | null;
  containerCountMax?: number | null;
  /** Secret: validated elsewhere, never echoed. */
  runtimeToken?: string | null;
  /** Secret: never echoed. */
  secretMounts?: unknown;
}

export type InputField = keyof ContainerRequestInput;

/** The columns the validated input sets (secrets and state are handled by the caller). */
export interface ValidatedFields {
  name?: string | null;
  description?: string | null;
  properties?: JsonObject;
  priority?: number | null;
  command?: string[];
  containerImage?: string;
  cwd?: string;
  environment?: Record<string, string>;
  mounts?: JsonObject;
  outputPath?: string;
  runtimeConstraints?: JsonObject;
  schedulingParameters?: JsonObject;
  useExisting?: boolean;
  containerCountMax?: number;
  secretMounts?: JsonObject;
}

const ALWAYS: readonly InputField[] = ['name', 'description', 'properties', 'state'];
const WHILE_COMMITTED: readonly InputField[] = [...ALWAYS, 'priority', 'containerCountMax'];

/** Which input fields may change in each state (design.md §3). */
export function modifiableFields(state: ContainerRequestState): ReadonlySet<InputField> | 'all' {
  if (state === 'UNCOMMITTED') return 'all';
  return new Set(state === 'COMMITTED' ? WHILE_COMMITTED : ALWAYS);
}

// JSON columns: null and {} are the same value.
const JSON_FIELDS = new Set<InputField>([
  'properties',
  'environment',
  'mounts',
  'runtimeConstraints',
  'schedulingParameters',
]);

function sameValue(field: InputField, given: unknown, stored: unknown): boolean {
  const norm = (v: unknown) => (JSON_FIELDS.has(field) ? objectOrEmpty(v) : v);
  return canonicalJson(norm(given)) === canonicalJson(norm(stored));
}

/**
 * Rejects the first field that may not change in `state` and would change: a field whose value
 * equals the stored one (`current`) is no change. Fields missing from `current` (the secrets,
 * never read back) always count as changes. Names the field only.
 */
export function checkModifiable(
  input: ContainerRequestInput,
  state: ContainerRequestState,
  current: Partial<Record<InputField, unknown>> = {},
): void {
  const allowed = modifiableFields(state);
  if (allowed === 'all') return;
  for (const [field, value] of Object.entries(input) as [InputField, unknown][]) {
    if (value === undefined || allowed.has(field)) continue;
    if (Object.hasOwn(current, field) && sameValue(field, value, current[field])) continue;
    throw badInput(field, `${field} cannot be modified in state '${state}'`);
  }
}

/** UNCOMMITTED → COMMITTED → FINAL; staying put is not a change. */
export function checkStateChange(from: ContainerRequestState, to: ContainerRequestState): void {
  const ok =
    from === to || (from === 'UNCOMMITTED' && to === 'COMMITTED') || (from === 'COMMITTED' && to === 'FINAL');
  if (!ok) throw badInput('state', `State cannot change from ${from} to ${to}`);
}

const MAX_TEXT = 64 * 1024;
const MAX_JSON = 1024 * 1024;

function text(field: string, v: unknown, opts: { nonEmpty?: boolean; max?: number } = {}): string {
  if (typeof v !== 'string') throw badInput(field, `${field} must be a string`);
  if (opts.nonEmpty && v.trim() === '') throw badInput(field, `${field} must not be empty`);
  if (v.length > (opts.max ?? MAX_TEXT)) throw badInput(field, `${field} is too long`);
  return v;
}

function object(field: string, v: unknown): JsonObject {
  if (v === null) return {}; // null and {} are the same (design.md §8)
  if (!isPlainObject(v)) throw badInput(field, `${field} must be a JSON object`);
  if (JSON.stringify(v).length > MAX_JSON) throw badInput(field, `${field} is too large`);
  return v;
}

// Mount points are data: a path named `__proto__` or `toString` is a mount point like any
// other, so keys are only ever read as own keys (Object.entries, Object.hasOwn), never with `in`.
function mountMap(field: string, v: unknown): JsonObject {
  const m = object(field, v);
  for (const [path, mount] of Object.entries(m)) {
    if (!path) throw badInput(field, `${field} keys must be non-empty paths`);
    if (!isPlainObject(mount) || typeof mount.kind !== 'string' || !mount.kind) {
      // The path is named; the mount's content is not (secret mounts are secret).
      throw badInput(field, `${field} entries must be objects with a string "kind"`);
    }
  }
  return m;
}

function integer(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw badInput(field, `${field} must be an integer from ${min} to ${max}`);
  }
  return v;
}

// Fields whose column cannot be null. (The JSON fields take null as {}: design.md §8.)
const NOT_NULL: readonly InputField[] = [
  'state',
  'command',
  'containerImage',
  'cwd',
  'outputPath',
  'useExisting',
  'containerCountMax',
];

/**
 * Checks the shape of every present field and returns the columns to write. Required-ness
 * and cross-field rules are in checkComplete / checkCommittable.
 */
export function validateFields(input: ContainerRequestInput): ValidatedFields {
  refuseExplicitNull(input, NOT_NULL);
  const out: ValidatedFields = {};
  const has = (k: InputField) => input[k] !== undefined;
  if (has('name')) out.name = input.name === null ? null : text('name', input.name, { max: 1024 });
  if (has('description'))
    out.description = input.description === null ? null : text('description', input.description);
  if (has('properties')) out.properties = object('properties', input.properties);
  if (has('priority'))
    out.priority = input.priority === null ? null : integer('priority', input.priority, 0, 1000);
  if (has('command')) {
    const c = input.command;
    if (!Array.isArray(c) || c.length === 0)
      throw badInput('command', 'command must be a non-empty list of strings');
    if (c.length > 10_000) throw badInput('command', 'command has too many elements');
    out.command = c.map((s) => text('command', s));
  }
  if (has('containerImage'))
    out.containerImage = text('containerImage', input.containerImage, { nonEmpty: true, max: 1024 });
  if (has('cwd')) out.cwd = text('cwd', input.cwd, { nonEmpty: true, max: 4096 });
  if (has('environment')) {
    const env = object('environment', input.environment);
    if (!Object.values(env).every((v) => typeof v === 'string'))
      throw badInput('environment', 'environment must map names to strings');
    out.environment = env as Record<string, string>;
  }
  if (has('mounts')) out.mounts = mountMap('mounts', input.mounts);
  if (has('outputPath')) out.outputPath = text('outputPath', input.outputPath, { nonEmpty: true, max: 4096 });
  if (has('runtimeConstraints')) {
    out.runtimeConstraints = object('runtimeConstraints', input.runtimeConstraints);
    checkRuntimeConstraints(out.runtimeConstraints);
  }
  if (has('schedulingParameters'))
    out.schedulingParameters = object('schedulingParameters', input.schedulingParameters);
  if (has('useExisting')) {
    if (typeof input.useExisting !== 'boolean')
      throw badInput('useExisting', 'useExisting must be true or false');
    out.useExisting = input.useExisting;
  }
  if (has('containerCountMax'))
    out.containerCountMax = integer('containerCountMax', input.containerCountMax, 1, 100);
  if (has('secretMounts')) out.secretMounts = mountMap('secretMounts', input.secretMounts);
  return out;
}

/** What a request row must hold after any create or update. */
export interface RequestShape {
  command: string[];
  containerImage: string | null;
  outputPath: string | null;
  mounts: unknown;
  secretMounts: unknown;
}

/** secretMounts keys must not repeat keys of mounts. */
export function checkSecretMountKeys(r: Pick<RequestShape, 'mounts' | 'secretMounts'>): void {
  const mounts = objectOrEmpty(r.mounts);
  if (Object.keys(objectOrEmpty(r.secretMounts)).some((k) => Object.hasOwn(mounts, k))) {
    throw badInput('secretMounts', 'secretMounts keys must not repeat keys of mounts');
  }
}

/** Rules that hold on commit: a priority, positive integer vcpus and ram. */
export function checkCommittable(r: { priority: number | null; runtimeConstraints: unknown }): void {
  if (r.priority === null) throw badInput('priority', 'priority must be set (0..1000) to commit');
  const rc = objectOrEmpty(r.runtimeConstraints);
  for (const key of ['vcpus', 'ram'] as const) {
    const v = rc[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw badInput('runtimeConstraints', `runtimeConstraints.${key} must be a positive integer to commit`);
    }
  }
}
