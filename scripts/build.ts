// npm run build (npm ci runs it): the gateway as compiled JavaScript, dist/server/main.js, which
// `npm start` runs. No TypeScript loader at start (tsx costs every process ~0.3 s and ~40 MB), and
// our ~190 modules are one file. The bench builds its bare server with the same function, so the
// two are started the same way (bench/process.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What `npm start` runs (package.json), relative to the project. */
export const SERVER_ENTRY = 'dist/server/main.js';

/**
 * Bundles `entries` (output name without .js → source file) into `outdir`. Files are written only
 * when their content changed, each by a rename: a process starting from `outdir` meanwhile (tests
 * build before their run, possibly two runs at once) reads either the old file or the new one,
 * never half of one. Files of an earlier build that this one did not make are removed.
 */
export async function buildBundle(entries: Record<string, string>, outdir: string): Promise<void> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(entries).map(([out, source]) => ({ out, in: source })),
    bundle: true,
    // A dynamic import() stays a chunk of its own, loaded only when it runs (PGlite on PostgreSQL,
    // the schema engine when nothing is to migrate, GraphiQL): bundled in, its imports would load at start.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // node_modules are loaded by Node from where npm installed them (Prisma's and PGlite's WASM sit beside their code).
    packages: 'external',
    // dist/<folder>/*.js and dist/chunks/*.js are two levels below the project, as src/<folder>/*.ts
    // are: the paths modules work out from their own location (prisma/migrations, workbench/dist)
    // are the same compiled or not.
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    write: false,
    logLevel: 'warning',
  });
  const written = new Set<string>();
  for (const file of result.outputFiles) {
    written.add(file.path);
    if (fs.existsSync(file.path) && fs.readFileSync(file.path).equals(file.contents)) continue;
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    const temp = `${file.path}.${process.pid}.tmp`;
    fs.writeFileSync(temp, file.contents);
    fs.renameSync(temp, file.path);
  }
  const root = path.resolve(ROOT, outdir);
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    const p = path.join(entry.parentPath, entry.name);
    // (A .tmp file is another build's, running at the same time.)
    if (entry.isFile() && !written.has(p) && !p.endsWith('.tmp')) fs.rmSync(p, { force: true });
  }
}

export function buildServer(): Promise<void> {
  return buildBundle({ 'server/main': 'src/server/main.ts' }, 'dist');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  await buildServer();
