// Preloaded into a server process (NODE_OPTIONS=--import=<this file>, RECORD_LOADS=<file>):
// appends the URL of every module the process loads to RECORD_LOADS, one a line, so that a
// test can tell what a start loads and what it leaves for later.
import { register } from 'node:module';

const hooks = `
import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  fs.appendFileSync(process.env.RECORD_LOADS, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
