// The gateway serves the workbench's build at /workbench/ on its own origin: the app's pages
// (any path under it) get index.html, its assets their files, everything under a strict
// Content-Security-Policy; the HTML loads nothing inline and nothing from another host.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSchema, createYoga } from 'graphql-yoga';
import { CONTENT_SECURITY_POLICY, workbenchPlugin } from '../../src/server/workbench.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
const get = (p: string, init: RequestInit = {}) => gw.gateway.yoga.fetch(`http://test${p}`, init);

beforeAll(async () => {
  gw = await startTestGateway('pglite');
});
afterAll(async () => {
  await gw?.close();
});

test('the policy allows only this origin: no inline script, no other host to connect to', () => {
  const directives = Object.fromEntries(
    CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
  );
  expect(directives).toMatchObject({
    'default-src': "'none'",
    'script-src': "'self'",
    'style-src': "'self'",
    'connect-src': "'self'",
    'frame-ancestors': "'none'",
  });
  expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|https?:|\*/);
});

test('/workbench/ and every page under it: index.html under the policy, scripts from files only', async () => {
  for (const p of ['/workbench/', '/workbench/requests/zzzzz-xvhdp-000000000000000']) {
    const res = await get(p);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).toContain('<div id="root">');
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(body!.trim()).toBe('');
      expect(attrs).toMatch(/src="\/workbench\/assets\/[^"]+\.js"/);
    }
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  }
});

test('assets: the files the page names, cached for good; nothing outside assets/', async () => {
  const html = await (await get('/workbench/')).text();
  const names = [...html.matchAll(/(?:src|href)="(\/workbench\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  expect(names.some((n) => n.endsWith('.js'))).toBe(true);
  expect(names.some((n) => n.endsWith('.css'))).toBe(true);
  for (const name of names) {
    const res = await get(name);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(
      name.endsWith('.js') ? /^text\/javascript/ : /^text\/css/,
    );
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  }
  expect((await get('/workbench/assets/missing.js')).status).toBe(404);
  // An escaped path is a page name, never a file outside assets/.
  const escaped = await get('/workbench/assets/..%2F..%2Fpackage.json');
  expect(await escaped.text()).not.toContain('"cr-gateway"');
});

test('/workbench redirects to /workbench/; only GET and HEAD', async () => {
  const res = await get('/workbench', { redirect: 'manual' });
  expect(res.status).toBe(308);
  expect(res.headers.get('location')).toBe('/workbench/');
  expect((await get('/workbench/', { method: 'POST', body: '{}' })).status).toBe(405);
  const head = await get('/workbench/', { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(await head.text()).toBe('');
});

test('GraphQL is unaffected: /graphql still answers', async () => {
  const r = await gw.gql('{ me { uuid } }');
  expect(r.data.me.uuid).toMatch(/-tpzed-000000000000000$/);
});

test('without a build: 503 naming the command that makes it', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-nobuild-'));
  try {
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
      plugins: [workbenchPlugin(empty)],
    });
    const res = await yoga.fetch('http://test/workbench/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:workbench');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
