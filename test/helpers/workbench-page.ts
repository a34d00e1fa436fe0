// Driving the workbench in a browser: a page that records every request it makes and every
// Content-Security-Policy complaint, screenshots into test-artifacts/, and the sign-in step.
import fs from 'node:fs';
import path from 'node:path';
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
  screenshot(name: string): Promise<void>;
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
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${url}/workbench/`);
  return {
    page,
    requests,
    cspViolations,
    async screenshot(name) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
  };
}

/** Pastes `token` into the sign-in form and submits it. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
