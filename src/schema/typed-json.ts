import {
  type MountEntryView,
  mountEntries,
  type RuntimeConstraintsView,
  runtimeConstraintsView,
} from '../domain/typed-json.js';
import { builder } from './builder.js';

// Typed fields beside the JSON ones (runtimeConstraints, mounts), on requests and containers
// alike: codegen gives clients real types for them. The JSON fields stay as they were.

const Cuda = builder.objectRef<NonNullable<RuntimeConstraintsView['cuda']>>('CudaConstraints').implement({
  description: 'The `cuda` runtime constraint (older Arvados form of `gpu`).',
  fields: (t) => ({
    deviceCount: t.exposeInt('deviceCount', { nullable: true, description: '`device_count`: GPUs wanted.' }),
    driverVersion: t.exposeString('driverVersion', {
      nullable: true,
      description: '`driver_version`: minimum CUDA driver version.',
    }),
    hardwareCapability: t.exposeString('hardwareCapability', {
      nullable: true,
      description: '`hardware_capability`: minimum CUDA compute capability.',
    }),
  }),
});

const Gpu = builder.objectRef<NonNullable<RuntimeConstraintsView['gpu']>>('GpuConstraints').implement({
  description: 'The `gpu` runtime constraint.',
  fields: (t) => ({
    stack: t.exposeString('stack', { nullable: true, description: '`stack`: "cuda" or "rocm".' }),
    deviceCount: t.exposeInt('deviceCount', { nullable: true, description: '`device_count`: GPUs wanted.' }),
    driverVersion: t.exposeString('driverVersion', {
      nullable: true,
      description: '`driver_version`: minimum driver version.',
    }),
    hardwareTarget: t.exposeStringList('hardwareTarget', {
      nullable: true,
      description: '`hardware_target`: acceptable hardware targets (compute capabilities or gfx names).',
    }),
    vram: t.field({
      type: 'BigInt',
      nullable: true,
      description: '`vram`: GPU memory wanted, in bytes.',
      resolve: (g) => g.vram,
    }),
  }),
});

export const RuntimeConstraints = builder.objectRef<RuntimeConstraintsView>('RuntimeConstraints').implement({
  description:
    'The `runtimeConstraints` JSON read as types. A key that is missing, or holds a value of another type, is null.',
  fields: (t) => ({
    vcpus: t.exposeInt('vcpus', { nullable: true, description: '`vcpus`: CPU cores.' }),
    ram: t.field({
      type: 'BigInt',
      nullable: true,
      description: '`ram`: memory in bytes.',
      resolve: (rc) => rc.ram,
    }),
    keepCacheRam: t.field({
      type: 'BigInt',
      nullable: true,
      description: '`keep_cache_ram`: memory for the Keep cache, in bytes.',
      resolve: (rc) => rc.keepCacheRam,
    }),
    keepCacheDisk: t.field({
      type: 'BigInt',
      nullable: true,
      description: '`keep_cache_disk`: disk for the Keep cache, in bytes.',
      resolve: (rc) => rc.keepCacheDisk,
    }),
    api: t.exposeBoolean('api', {
      nullable: true,
      description: '`API`: whether the container may call the API.',
    }),
    cuda: t.field({ type: Cuda, nullable: true, description: '`cuda`.', resolve: (rc) => rc.cuda }),
    gpu: t.field({ type: Gpu, nullable: true, description: '`gpu`.', resolve: (rc) => rc.gpu }),
  }),
});

export const MountEntry = builder.objectRef<MountEntryView>('MountEntry').implement({
  description:
    'One entry of the `mounts` JSON, read as types. An attribute that is missing, or of another type, is null.',
  fields: (t) => ({
    mountPoint: t.exposeString('mountPoint', {
      description: 'Where it is mounted in the container (the key in `mounts`).',
    }),
    kind: t.exposeString('kind', {
      nullable: true,
      description: '`kind`: collection, tmp, json, text, file, keep, git_tree…',
    }),
    portableDataHash: t.exposeString('portableDataHash', {
      nullable: true,
      description: '`portable_data_hash` of a collection mount.',
    }),
    uuid: t.exposeString('uuid', { nullable: true, description: '`uuid` of a collection mount.' }),
    path: t.exposeString('path', {
      nullable: true,
      description: '`path` inside the collection or repository.',
    }),
    writable: t.exposeBoolean('writable', { nullable: true, description: '`writable`.' }),
    capacity: t.field({
      type: 'BigInt',
      nullable: true,
      description: '`capacity` of a tmp mount, in bytes.',
      resolve: (m) => m.capacity,
    }),
    content: t.field({
      type: 'JSON',
      nullable: true,
      description: '`content` of a json or text mount.',
      resolve: (m) => m.content,
    }),
    commit: t.exposeString('commit', { nullable: true, description: '`commit` of a git_tree mount.' }),
    gitUrl: t.exposeString('gitUrl', { nullable: true, description: '`git_url` of a git_tree mount.' }),
    excludeFromOutput: t.exposeBoolean('excludeFromOutput', {
      nullable: true,
      description: '`exclude_from_output`.',
    }),
  }),
});

/** `runtimeConstraintsTyped`, the same on requests and containers. */
export const runtimeConstraintsTypedField = {
  type: RuntimeConstraints,
  description: 'The `runtimeConstraints` JSON with types (vcpus, ram, Keep cache, API, cuda, gpu).',
  select: { runtimeConstraints: true },
  resolve: (row: { runtimeConstraints: unknown }) => runtimeConstraintsView(row.runtimeConstraints),
} as const;

/** `mountsTyped`, the same on requests and containers. */
export const mountsTypedField = {
  type: [MountEntry] as [typeof MountEntry],
  description: 'The `mounts` JSON with types: one entry per mount point, sorted by it.',
  select: { mounts: true },
  resolve: (row: { mounts: unknown }) => mountEntries(row.mounts),
} as const;
