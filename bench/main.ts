// npm run bench: benchmark scripts; every figure is a ratio against a baseline from the same run
// (bench/README.md). BENCH_ONLY=throughput, reuse, dispatcher, scaleout, queue, pileup, memory, startup
// or attack (comma-separated) runs only those.

import { buildServer } from '../scripts/build.js';
import { benchAttack } from './attack.js';
import { benchDispatcher } from './dispatcher.js';
import { benchPileup } from './pileup.js';
import { benchMemory, benchStartup } from './process.js';
import { benchQueue } from './queue.js';
import { benchReuseLookup } from './reuse-lookup.js';
import { benchScaleout } from './scaleout.js';
import { benchThroughput } from './throughput.js';

const BENCHES: Record<string, () => Promise<void>> = {
  throughput: benchThroughput,
  reuse: benchReuseLookup,
  dispatcher: benchDispatcher,
  scaleout: benchScaleout,
  queue: benchQueue,
  pileup: benchPileup,
  memory: benchMemory,
  startup: benchStartup,
  attack: benchAttack,
};
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean) ?? Object.keys(BENCHES);
const unknown = only.filter((name) => !BENCHES[name]);
if (unknown.length) {
  console.error(`BENCH_ONLY: unknown ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
  process.exit(2);
}
// Parts that spawn the gateway run what `npm start` runs (dist/): built from the sources as they are.
console.log('building dist/ (npm run build)…');
await buildServer();
for (const name of only) await BENCHES[name]!();
