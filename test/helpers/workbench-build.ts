// The workbench's build (workbench/dist), made again before a test run when its sources or
// schema.graphql are newer than it: the browser tests then see the code as it is, not the last
// `npm ci`'s. Run once per jest run, from globalSetup.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const BUILT = path.join(ROOT, 'workbench/dist/index.html');
const GENERATED = path.join(ROOT, 'workbench/src/gql');

/** The newest modification time among `p` and the files under it (generated code excluded). */
function newest(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  if (p === GENERATED) return 0;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(p).map((name) => newest(path.join(p, name))));
}

export async function buildWorkbenchIfStale(): Promise<void> {
  const sources = ['workbench/src', 'workbench/index.html', 'workbench/vite.config.ts', 'schema.graphql'];
  const built = fs.existsSync(BUILT) ? fs.statSync(BUILT).mtimeMs : 0;
  if (Math.max(...sources.map((s) => newest(path.join(ROOT, s)))) <= built) return;
  await promisify(execFile)('npm', ['run', '--silent', 'build:workbench'], { cwd: ROOT });
}
