import { isPlainObject } from './canonical.js';

// Typed views of two JSON columns, for clients that want real types (codegen) rather than
// `unknown`. The columns keep whatever was accepted (an UNCOMMITTED request may hold anything),
// so a view never fails: a key that is missing or of another type reads as null.

/** The runtime constraints Arvados defines (snake_case keys in the JSON, as Arvados spells them). */
export interface RuntimeConstraintsView {
  vcpus: number | null;
  ram: bigint | null;
  keepCacheRam: bigint | null;
  keepCacheDisk: bigint | null;
  api: boolean | null;
  cuda: {
    deviceCount: number | null;
    driverVersion: string | null;
    hardwareCapability: string | null;
  } | null;
  gpu: {
    stack: string | null;
    deviceCount: number | null;
    driverVersion: string | null;
    hardwareTarget: string[] | null;
    vram: bigint | null;
  } | null;
}

/** One entry of `mounts`: its mount point (the key) and the attributes Arvados defines. */
export interface MountEntryView {
  mountPoint: string;
  kind: string | null;
  portableDataHash: string | null;
  uuid: string | null;
  path: string | null;
  writable: boolean | null;
  capacity: bigint | null;
  content: unknown;
  commit: string | null;
  gitUrl: string | null;
  excludeFromOutput: boolean | null;
}

const INT32_MAX = 2 ** 31 - 1;

const int32 = (v: unknown) =>
  Number.isInteger(v) && Math.abs(v as number) <= INT32_MAX ? (v as number) : null;
const int64 = (v: unknown) => (Number.isSafeInteger(v) ? BigInt(v as number) : null);
const str = (v: unknown) => (typeof v === 'string' ? v : null);
const bool = (v: unknown) => (typeof v === 'boolean' ? v : null);
const strings = (v: unknown) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : null);

export function runtimeConstraintsView(json: unknown): RuntimeConstraintsView {
  const rc = isPlainObject(json) ? json : {};
  const cuda = isPlainObject(rc.cuda) ? rc.cuda : null;
  const gpu = isPlainObject(rc.gpu) ? rc.gpu : null;
  return {
    vcpus: int32(rc.vcpus),
    ram: int64(rc.ram),
    keepCacheRam: int64(rc.keep_cache_ram),
    keepCacheDisk: int64(rc.keep_cache_disk),
    api: bool(rc.API),
    cuda: cuda && {
      deviceCount: int32(cuda.device_count),
      driverVersion: str(cuda.driver_version),
      hardwareCapability: str(cuda.hardware_capability),
    },
    gpu: gpu && {
      stack: str(gpu.stack),
      deviceCount: int32(gpu.device_count),
      driverVersion: str(gpu.driver_version),
      hardwareTarget: strings(gpu.hardware_target),
      vram: int64(gpu.vram),
    },
  };
}

/** The entries of `mounts`, by mount point: a stable order for a list. */
export function mountEntries(json: unknown): MountEntryView[] {
  if (!isPlainObject(json)) return [];
  return Object.keys(json)
    .sort()
    .map((mountPoint) => {
      const m = isPlainObject(json[mountPoint]) ? json[mountPoint] : {};
      return {
        mountPoint,
        kind: str(m.kind),
        portableDataHash: str(m.portable_data_hash),
        uuid: str(m.uuid),
        path: str(m.path),
        writable: bool(m.writable),
        capacity: int64(m.capacity),
        content: m.content ?? null,
        commit: str(m.commit),
        gitUrl: str(m.git_url),
        excludeFromOutput: bool(m.exclude_from_output),
      };
    });
}
