// npm run bench: benchmark scripts; figures are ratios against a baseline from the same run.
import { benchReuseLookup } from './reuse-lookup.js';

await benchReuseLookup();
