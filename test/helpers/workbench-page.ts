// Driving the workbench in a browser: a page that records every request it makes, every
// response body and every Content-Security-Policy complaint, screenshots into test-artifacts/
// with an accessibility check (axe-core's WCAG 2 A/AA rules) of the page as shown, and the
// sign-in step.
import fs from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
/** Where screenshots go (gitignored): what each page looked like in the last run. */
export const ARTIFACTS = path.join(ROOT, 'test-artifacts/workbench');

export interface WorkbenchPage {
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
  /** Console messages about the Content-Security-Policy (a blocked script, style, connection). */
  cspViolations: string[];
  /** WCAG 2 A/AA violations axe-core found at each screenshot: `shot: rule (elements)`. */
  accessibility: string[];
  /** Every response body so far (event streams as received). */
  bodies(): Promise<string[]>;
  /** Saves what the page shows as `name`.png and checks it for accessibility. */
  screenshot(name: string): Promise<void>;
}

/**
 * Every response body the page receives, event streams included as they arrive (through the
 * DevTools protocol: a streamed body is never complete while the page holds it).
 */
async function recordBodies(context: BrowserContext, page: Page): Promise<() => Promise<string[]>> {
  const cdp = await context.newCDPSession(page);
  const chunks: string[] = [];
  const pending: Promise<unknown>[] = [];
  const streams = new Set<string>();
  const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  const keep = <T>(p: Promise<T>, use: (r: T) => void) => pending.push(p.then(use, () => {}));
  cdp.on('Network.responseReceived', (e) => {
    if (e.response.mimeType !== 'text/event-stream') return;
    streams.add(e.requestId);
    keep(cdp.send('Network.streamResourceContent', { requestId: e.requestId }), (r) =>
      chunks.push(decode(r.bufferedData)),
    );
  });
  cdp.on('Network.dataReceived', (e) => {
    if (e.data) chunks.push(decode(e.data));
  });
  cdp.on('Network.loadingFinished', (e) => {
    if (streams.has(e.requestId)) return;
    keep(cdp.send('Network.getResponseBody', { requestId: e.requestId }), (r) =>
      chunks.push(r.base64Encoded ? decode(r.body) : r.body),
    );
  });
  await cdp.send('Network.enable');
  return async () => {
    await Promise.all(pending);
    return chunks;
  };
}

export async function openWorkbench(
  context: BrowserContext,
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<WorkbenchPage> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const requests: string[] = [];
  const cspViolations: string[] = [];
  const accessibility: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const bodies = await recordBodies(context, page);
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${url}/workbench/`);
  return {
    page,
    requests,
    cspViolations,
    accessibility,
    bodies,
    async screenshot(name) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
      const { violations } = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      for (const v of violations)
        accessibility.push(`${name}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    },
  };
}

/** Pastes `token` into the sign-in form and submits it. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
