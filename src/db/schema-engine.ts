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

let starts = 0;

/** How many times this process has started a schema engine (a start with nothing to migrate does not). */
export function schemaEngineStarts(): number {
  return starts;
}

// The package's main entry imports a .wasm module, which Node 20 refuses: instantiate the
// bundled .wasm ourselves against its JS glue. Compiled again for each use (a fraction of a
// second, once per start at most outside the tests): a module kept compiled holds its machine
// code, tens of MB, for the rest of the process.
function instantiate(): WebAssembly.Memory {
  // A Rust panic would otherwise surface as an unrelated TypeError.
  (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY ??= { set_message() {} };
  // The .wasm is not in the package's exports: find it beside the exported glue.
  const require = createRequire(import.meta.url);
  const wasmPath = path.join(
    path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
    'schema_engine_bg.wasm',
  );
  const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)), {
    './schema_engine_bg.js': runtime as unknown as WebAssembly.ModuleImports,
  });
  runtime.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return instance.exports.memory as WebAssembly.Memory;
}

// The engine's memory grows to what a migration needed (~500 MB from an empty database) and a
// WASM memory never shrinks: it goes only with its instance. The glue holds the instance's
// exports and typed-array views of its memory; growing by nothing detaches those views, and the
// exports are let go, so the instance, its memory and its code can be collected once the work is done.
function release(memory: WebAssembly.Memory): void {
  memory.grow(0);
  runtime.__wbg_set_wasm(undefined);
}

/**
 * Runs `work` with a schema engine connected through `factory`, then releases everything the
 * engine opened (its connections and the ~10 s timer it leaves behind), so that neither the
 * server nor jest hangs after migrating, and its instance (the memory it grew to, release()).
 */
export function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: Engine) => Promise<T>,
): Promise<T> {
  // The glue serves one instance at a time: engines of this process take turns.
  const turn = engineTurns.then(() => runEngine(factory, work));
  engineTurns = turn.catch(() => {});
  return turn;
}

let engineTurns: Promise<unknown> = Promise.resolve();

async function runEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: Engine) => Promise<T>,
): Promise<T> {
  const memory = instantiate();
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
    release(memory);
  }
}
