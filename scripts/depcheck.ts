// npm run depcheck: checks src/ and the workbench (workbench/src) against the rules of
// .dependency-cruiser.cjs and prints the graph between src/'s folders. `--graph` prints the graph only (exit 0 whatever it shows).
// Through dependency-cruiser's API: its command line refuses to start on Node 20, the API runs.

import type { ICruiseResult, IReporterOutput } from 'dependency-cruiser';
import { cruise, format } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/** The cruise result itself (the API returns a string only when asked for a report format). */
function resultOf(r: IReporterOutput): ICruiseResult {
  if (typeof r.output === 'string') throw new Error('dependency-cruiser returned a report, not a result');
  return r.output;
}

const graphOnly = process.argv.includes('--graph');
const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
const tsConfig = extractTSConfig('tsconfig.json');

const checked = await cruise(['src', 'workbench/src'], { ...options, validate: true }, {}, { tsConfig });
const folders = await cruise(
  ['src'],
  { ...options, validate: false, collapse: '^src/[^/]+(/|\\.ts$)', includeOnly: '^src/' },
  {},
  { tsConfig },
);
const graph = await format(resultOf(folders), { outputType: 'text' });
console.log('Imports between the parts of src/ (folder → folder):');
console.log(String(graph.output).trimEnd());
if (graphOnly) process.exit(0);

const report = await format(resultOf(checked), { outputType: 'err-long' });
console.log(String(report.output).trimEnd());
const { violations, totalCruised } = resultOf(checked).summary;
const errors = violations.filter((v) => v.rule.severity === 'error').length;
console.log(`${totalCruised} modules checked, ${errors} rule violations.`);
if (errors > 0) {
  console.log('Move the import, or change the allowed directions in .dependency-cruiser.cjs and README.');
  process.exit(1);
}
