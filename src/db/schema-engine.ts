import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as runtime from '@prisma/schema-engine-wasm/schema_engine_bg';

type Engine = runtime.SchemaEngine;

let loaded = false;
let starts = 0;

/** How many times this process has started a schema engine (a start with nothing to migrate does not). */
export function schemaEngineStarts(): number {
  return starts;
}

// The package's main entry imports a .wasm module, which Node 20 refuses: instantiate the
// bundled .wasm ourselves against its JS glue.
function loadWasm(): void {
  if (loaded) return;
  // A Rust panic would otherwise surface as an unrelated TypeError.
  (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY ??= { set_message() {} };
  // The .wasm is not in the package's exports: find it beside the exported glue.
  const require = createRequire(import.meta.url);
  const wasmPath = path.join(
    path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
    'schema_engine_bg.wasm',
  );
  const module = new WebAssembly.Module(fs.readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, {
    './schema_engine_bg.js': runtime as unknown as WebAssembly.ModuleImports,
  });
  runtime.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  loaded = true;
}

/**
 * Runs `work` with a schema engine connected through `factory`, then releases everything the
 * engine opened (its connections and the ~10 s timer it leaves behind), so that neither the
 * server nor jest hangs after migrating.
 */
export async function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: Engine) => Promise<T>,
): Promise<T> {
  loadWasm();
  starts++;
  const opened: SqlDriverAdapter[] = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => track(await factory.connect()),
    connectToShadowDb: async () => track(await factory.connectToShadowDb()),
  };
  function track(a: SqlDriverAdapter): SqlDriverAdapter {
    opened.push(a);
    return a;
  }

  const timers = new Set<NodeJS.Timeout>();
  const realSetTimeout = globalThis.setTimeout;
  const trackedSetTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const t = realSetTimeout(fn, ms, ...args);
    timers.add(t);
    return t;
  }) as typeof setTimeout;
  globalThis.setTimeout = trackedSetTimeout;
  let engine: Engine | undefined;
  try {
    engine = await runtime.SchemaEngine.new(
      { datamodels: undefined },
      () => {}, // engine log lines: nothing we need
      bindMigrationAwareSqlAdapterFactory(tracking),
    );
    return await work(engine);
  } finally {
    if (globalThis.setTimeout === trackedSetTimeout) globalThis.setTimeout = realSetTimeout;
    engine?.free();
    for (const t of timers) clearTimeout(t);
    await Promise.allSettled(opened.map((a) => a.dispose()));
  }
}
