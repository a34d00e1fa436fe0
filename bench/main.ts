// npm run bench: benchmark scripts; figures are ratios against a baseline from the same run.
// BENCH_ONLY=reuse or BENCH_ONLY=dispatcher runs one of them.
import { benchDispatcher } from './dispatcher.js';
import { benchReuseLookup } from './reuse-lookup.js';

const only = process.env.BENCH_ONLY;
if (!only || only === 'reuse') await benchReuseLookup();
if (!only || only === 'dispatcher') await benchDispatcher();
