// What a command left in its output directory, as the container's `output`: every regular file
// with its size and SHA-256, sorted by path. The whole list is written beside the output
// directory; `output` carries it while it fits the gateway's 64 KiB, else its first files, the
// totals and `truncated: true`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  files: ManifestFile[];
  fileCount: number;
  totalBytes: number;
  truncated?: true;
}

const OUTPUT_LIMIT = 64 * 1024;

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** Regular files under `dir`, recursively; symbolic links and special files are not followed or listed. */
export async function manifestOf(dir: string): Promise<Manifest> {
  const files: ManifestFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(relPath);
      else if (e.isFile()) {
        const full = path.join(dir, relPath);
        files.push({ path: relPath, size: (await fs.promises.stat(full)).size, sha256: await sha256(full) });
      }
    }
  };
  if (fs.existsSync(dir)) await walk('');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, fileCount: files.length, totalBytes: files.reduce((n, f) => n + f.size, 0) };
}

/** The manifest as the container's `output`: whole if it fits, else cut to the files that fit. */
export function outputField(m: Manifest): string {
  const whole = JSON.stringify(m);
  if (whole.length <= OUTPUT_LIMIT) return whole;
  const kept: ManifestFile[] = [];
  let size = JSON.stringify({ ...m, files: [], truncated: true }).length;
  for (const f of m.files) {
    size += JSON.stringify(f).length + 1;
    if (size > OUTPUT_LIMIT) break;
    kept.push(f);
  }
  return JSON.stringify({ ...m, files: kept, truncated: true });
}
