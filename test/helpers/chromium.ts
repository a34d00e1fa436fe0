// Debian's chromium, driven by playwright-core: one fresh profile per launch (nothing cached
// or remembered from another run), removed on close.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Chromium starts slowly on a loaded machine: the budget of a test that drives it. */
export const BROWSER_TIMEOUT = 180_000;

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: BrowserContextOptions = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      ...options,
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    });
    return {
      context,
      async close() {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
