// Serves the workbench (the web UI in workbench/, built into workbench/dist by npm ci) at
// /workbench/ on the gateway's own origin, under a Content-Security-Policy that allows only
// this origin's scripts, styles and connections: no inline script, no CDN, no other host.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';

export const WORKBENCH_PATH = '/workbench/';
export const WORKBENCH_DIST = fileURLToPath(new URL('../../workbench/dist/', import.meta.url));

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Built assets are named by their content hash: a plain file name, nothing else. */
const ASSET = /^\/workbench\/assets\/([A-Za-z0-9_-][A-Za-z0-9_.-]*)$/;

/** Whether `npm run build:workbench` has run (npm ci runs it). */
export async function workbenchBuilt(dist = WORKBENCH_DIST): Promise<boolean> {
  return fs.access(path.join(dist, 'index.html')).then(
    () => true,
    () => false,
  );
}

export function workbenchPlugin(dist = WORKBENCH_DIST): Plugin {
  return {
    // Not async: every request passes here, and only the web UI's paths wait for anything.
    onRequest(args) {
      const p = args.url.pathname;
      if (p === '/workbench' || p.startsWith(WORKBENCH_PATH)) return serve(p, args);
    },
  };

  async function serve(
    p: string,
    { request, endResponse, fetchAPI }: Parameters<NonNullable<Plugin['onRequest']>>[0],
  ): Promise<void> {
    const respond = (status: number, body: BodyInit | null, headers: Record<string, string> = {}) =>
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
          status,
          headers: { ...SECURITY_HEADERS, ...headers },
        }),
      );
    const text = { 'content-type': 'text/plain; charset=utf-8' };
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return respond(405, 'Method not allowed\n', { ...text, allow: 'GET, HEAD' });
    if (p === '/workbench') return respond(308, null, { location: WORKBENCH_PATH });

    const asset = ASSET.exec(p);
    if (asset) {
      const file = asset[1]!;
      const body = await fs.readFile(path.join(dist, 'assets', file)).catch(() => null);
      if (!body) return respond(404, 'Not found\n', text);
      return respond(200, body, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'public, max-age=31536000, immutable',
      });
    }
    // Every other path is one of the app's pages: the app routes it.
    const index = await fs.readFile(path.join(dist, 'index.html')).catch(() => null);
    if (!index)
      return respond(503, 'The workbench is not built: run `npm run build:workbench` (npm ci does).\n', text);
    return respond(200, index, { 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' });
  }
}
