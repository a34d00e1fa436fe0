// The workbench in a real browser (Debian's chromium through playwright-core) against a
// listening gateway: sign in with a pasted token, see your requests newest first, page and
// filter them, watch a row change in place as its container runs, and be sent back to sign-in
// with the reason when the token is revoked; submit a request (errors on the field at fault,
// found by the page or by the gateway; the runtime token gone from the page once sent); follow
// one request's page as its container runs (whom it runs as, the log growing, exit code and
// output), cancel another, see a retry; and, as an admin, the queue in priority order, live. Every request the page makes goes to the gateway,
// and the Content-Security-Policy blocks nothing the app needs. The behaviour under test is the
// page's: one backend is enough.
import { createRequest, lock, updateContainer } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { BROWSER_TIMEOUT, type Browser, launchChromium } from '../helpers/chromium.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { containerIn } from '../helpers/lifecycle.js';
import { sql } from '../helpers/sql.js';
import { tokenUuid } from '../helpers/tokens.js';
import { openWorkbench, signIn, type WorkbenchPage } from '../helpers/workbench-page.js';

let gw: TestGateway;
let url: string;
let browser: Browser;
let wb: WorkbenchPage;

beforeAll(async () => {
  gw = await startTestGateway('pglite');
  url = await gw.gateway.listen(0, '127.0.0.1');
  browser = await launchChromium();
}, BROWSER_TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

/** Presses Tab until the focused element's label or text is `name`; fails after 40 presses. */
async function tabTo(page: WorkbenchPage['page'], name: string): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const label = await page.evaluate(() => {
      const e = document.activeElement as HTMLInputElement | null;
      return (e?.labels?.[0]?.textContent ?? e?.getAttribute('aria-label') ?? e?.textContent ?? '').trim();
    });
    if (label === name) return;
    seen.push(label);
  }
  throw new Error(`Tab never reached "${name}"; focus went through: ${JSON.stringify(seen)}`);
}

/** The names in the list, top to bottom. */
const shownNames = () => wb.page.locator('table.requests tbody th').allInnerTexts();

test(
  'sign in, the list newest first with paging and filters, a row live, revoked token back to sign-in',
  async () => {
    const user = await gw.newUser();
    // 21 requests, one more than a page; each its own container.
    const made = [];
    for (let i = 0; i < 21; i++)
      made.push(await containerIn(gw, user.token, 'QUEUED', { overrides: { name: `wb-${i}` } }));

    wb = await openWorkbench(browser.context, url);
    const { page } = wb;
    await page.getByRole('heading', { name: 'Workbench' }).waitFor();
    await wb.screenshot('sign-in');

    // A token the gateway refuses: the form says so and keeps nothing.
    await signIn(page, 'v2/zzzzz-gj3su-000000000000000/not-the-secret');
    await page.getByText('The gateway refused this token').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await signIn(page, user.token);
    await page
      .getByTestId('who')
      .getByText(/^User /)
      .waitFor();
    await page.getByText('Showing 20 of 21').waitFor();
    expect(await shownNames()).toEqual(
      made
        .slice(1)
        .reverse()
        .map((_, i) => `wb-${20 - i}`),
    );
    // The token is in this tab's sessionStorage only: not in the URL, not in localStorage.
    expect(page.url()).toBe(`${url}/workbench/`);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([user.token]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    await page.getByRole('button', { name: 'Show 20 more' }).click();
    await page.getByText('Showing 21 of 21').waitFor();
    expect((await shownNames()).at(-1)).toBe('wb-0');
    await wb.screenshot('requests');

    await page.getByLabel('Name contains').fill('wb-1');
    await page.getByText('Showing 11 of 11').waitFor();
    expect(await shownNames()).toEqual([
      'wb-19',
      'wb-18',
      'wb-17',
      'wb-16',
      'wb-15',
      'wb-14',
      'wb-13',
      'wb-12',
      'wb-11',
      'wb-10',
      'wb-1',
    ]);
    await page.getByLabel('State').selectOption('FINAL');
    await page.getByText('No requests match these filters.').waitFor();
    await page.getByLabel('State').selectOption('');
    await page.getByLabel('Name contains').fill('');
    // Back to the unfiltered list: its first page again, fresh from the gateway.
    await page.getByText('Showing 20 of 21').waitFor();

    // The newest row follows its container as a dispatcher reports, without a reload.
    const newest = made[20]!;
    const row = page.locator(`tr[data-uuid="${newest.cr.uuid}"]`);
    ok(await lock(gw, gw.rootToken, newest.containerUuid));
    ok(await updateContainer(gw, gw.rootToken, newest.containerUuid, { state: 'RUNNING', progress: 0.5 }));
    await row.getByText('RUNNING').waitFor();
    await row.getByText('50%').waitFor();
    ok(await updateContainer(gw, gw.rootToken, newest.containerUuid, { state: 'COMPLETE', exitCode: 0 }));
    await row.getByText('FINAL').waitFor();
    await row.getByText('exit 0').waitFor();
    await row.getByText('COMPLETE').waitFor();

    // Revoked: the next event on a followed row ends its stream UNAUTHENTICATED, and the page
    // goes back to sign-in saying why, with the token gone from the tab.
    await sql(gw, 'DELETE FROM api_client_authorizations WHERE uuid = $1', await tokenUuid(gw, user.token));
    ok(await lock(gw, gw.rootToken, made[19]!.containerUuid));
    await page.getByText('The gateway no longer accepts your token').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('workbench.token'))).toBeNull();
    await wb.screenshot('signed-out-revoked');

    // Signing out by hand: back to the form with no reason, nothing kept.
    const again = await gw.newUser();
    await signIn(page, again.token);
    await page.getByText('Showing 0 of 0').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    // Nothing went anywhere but the gateway, and the policy blocked nothing.
    expect(wb.requests.length).toBeGreaterThan(0);
    expect(wb.requests.filter((r) => !r.startsWith(`${url}/`))).toEqual([]);
    expect(wb.cspViolations).toEqual([]);
    expect(wb.accessibility).toEqual([]);
  },
  BROWSER_TIMEOUT,
);

test(
  'submit: errors on the right field, a draft and a commit, the runtime token sent once and kept nowhere',
  async () => {
    const user = await gw.newUser();
    const other = await gw.newUser();
    wb = await openWorkbench(browser.context, url);
    const { page } = wb;
    await signIn(page, user.token);
    await page.getByText('Showing 0 of 0').waitFor();
    await page.getByRole('link', { name: 'Submit' }).click();
    await page.getByRole('heading', { name: 'Submit a request' }).waitFor();

    // Found by the page: nothing to run, no image. The first field at fault gets the focus.
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    const command = page.getByLabel('Command');
    await command.and(page.locator('[aria-invalid="true"]')).waitFor();
    await expect(command.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.getByText('Give the command').waitFor();
    await page.getByText('Give the image').waitFor();
    await wb.screenshot('submit-errors');

    await command.fill('sh\n-c\necho hello');
    await page.getByLabel('Container image').fill('debian:12');
    await page.getByLabel('Name').fill('wb-submitted');
    await page.getByLabel('Environment').fill('GREETING=hello');
    // Found by the gateway: a well-formed runtime token it does not know.
    const runtime = page.getByLabel('Runtime token (optional)');
    await runtime.fill('v2/zzzzz-gj3su-aaaaaaaaaaaaaaa/unknownsecret');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await runtime.and(page.locator('[aria-invalid="true"]')).waitFor();
    await expect(runtime.inputValue()).resolves.toBe('');
    await expect(page.getByLabel('Command').getAttribute('aria-invalid')).resolves.toBeNull();

    // A draft, then the real thing with another user's token to run as.
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('heading', { name: 'wb-submitted' }).waitFor();
    await page.getByText('UNCOMMITTED').waitFor();
    await page.getByRole('link', { name: 'Submit' }).click();
    await page.getByLabel('Command').fill('true');
    await page.getByLabel('Container image').fill('debian:12');
    await page.getByLabel('Name').fill('wb-as-other');
    await page.getByLabel('Runtime token (optional)').fill(other.token);
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByRole('heading', { name: 'wb-as-other' }).waitFor();
    await page.getByText('COMMITTED').waitFor();

    // The list shows both, newest first, from the cache the submit updated.
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    await page.getByText('Showing 2 of 2').waitFor();
    expect(await shownNames()).toEqual(['wb-as-other', 'wb-submitted']);
    const saved = await sql<{ runtime_token: string | null }>(
      gw,
      'SELECT runtime_token FROM container_requests WHERE name = $1',
      'wb-as-other',
    );
    expect(saved[0]?.runtime_token).toBeTruthy();

    // The token is nowhere in the page: not in its DOM (input values included), not in storage.
    const { html, values, stored } = await page.evaluate(() => ({
      html: document.documentElement.outerHTML,
      values: [...document.querySelectorAll('input, textarea')].map((e) => (e as HTMLInputElement).value),
      stored: [...Object.values(sessionStorage), ...Object.values(localStorage)],
    }));
    const secret = other.token.split('/')[2]!;
    expect(html).not.toContain(secret);
    expect(values.join('\n')).not.toContain(secret);
    expect(stored.join('\n')).not.toContain(secret);
    expect(wb.requests.filter((r) => !r.startsWith(`${url}/`))).toEqual([]);
    expect(wb.cspViolations).toEqual([]);
    expect(wb.accessibility).toEqual([]);
  },
  BROWSER_TIMEOUT,
);

test(
  'by keyboard alone: sign in, skip to the content, go to the submit form and fill its first field',
  async () => {
    const user = await gw.newUser();
    wb = await openWorkbench(browser.context, url);
    const { page } = wb;
    await page.getByRole('heading', { name: 'Workbench' }).waitFor();
    await tabTo(page, 'API token');
    await page.keyboard.type(user.token);
    await page.keyboard.press('Enter');
    await page.getByTestId('who').waitFor();

    // The first stop is the skip link; following it puts the next Tab inside the content.
    await tabTo(page, 'Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => location.hash)).toBe('#main');

    await tabTo(page, 'Submit');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Submit a request' }).waitFor();
    await tabTo(page, 'Name');
    await page.keyboard.type('typed');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('typed');
    // Every focusable element shows where the focus is (an outline or a ring).
    const unmarked = await page.evaluate(() => {
      const e = document.activeElement as HTMLElement;
      const st = getComputedStyle(e);
      return st.outlineStyle === 'none' && st.boxShadow === 'none' ? e.outerHTML.slice(0, 80) : null;
    });
    expect(unmarked).toBeNull();
    await wb.screenshot('keyboard-submit');
    expect(wb.accessibility).toEqual([]);
  },
  BROWSER_TIMEOUT,
);

test(
  "a request's page live through its run, cancel, a retry; the admin queue in priority order, live",
  async () => {
    const admin = await gw.newUser({ isAdmin: true });
    const other = await gw.newUser();
    const dispatcherUuid = await tokenUuid(gw, gw.rootToken);
    const low = await createRequest(gw, admin.token, {
      name: 'wb-low',
      command: ['echo', 'low'],
      priority: 5,
      useExisting: false,
      runtimeToken: other.token,
    });
    const high = await createRequest(gw, admin.token, {
      name: 'wb-high',
      command: ['echo', 'high'],
      priority: 9,
      useExisting: false,
    });
    const retried = await createRequest(gw, admin.token, {
      name: 'wb-retried',
      command: ['echo', 'retried'],
      useExisting: false,
      containerCountMax: 2,
    });

    wb = await openWorkbench(browser.context, url);
    const { page } = wb;
    await signIn(page, admin.token);
    await page.getByRole('link', { name: 'Queue' }).click();
    const queued = page.locator('section[aria-labelledby="queue-queued"] tbody tr');
    await page.getByRole('heading', { name: 'Container queue' }).waitFor();
    await queued.first().waitFor();
    // Highest priority first (9, then the two of 5 and 1).
    const mine = [high.containerUuid, low.containerUuid, retried.containerUuid];
    const order = await queued.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-uuid')));
    expect(order.filter((u) => mine.includes(u!))).toEqual([
      high.containerUuid,
      low.containerUuid,
      retried.containerUuid,
    ]);
    // A dispatcher takes one: it moves to Locked, with its lock holder, without a reload.
    ok(await lock(gw, gw.rootToken, low.containerUuid));
    const lockedRow = page.locator(
      `section[aria-labelledby="queue-locked"] tr[data-uuid="${low.containerUuid}"]`,
    );
    await lockedRow.getByText(dispatcherUuid).waitFor();
    await wb.screenshot('queue');

    // The low request's page: it runs as the runtime token's user; the log grows live.
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    await page.getByRole('link', { name: 'wb-low' }).click();
    await page.getByRole('heading', { name: 'wb-low' }).waitFor();
    await page.getByTestId('runs-as').getByText(other.uuid).waitFor();
    expect(await page.getByTestId('runs-as').textContent()).toContain('through the runtime token');
    ok(
      await updateContainer(gw, gw.rootToken, low.containerUuid, {
        state: 'RUNNING',
        progress: 0.3,
        log: 'line one\n',
      }),
    );
    await page.getByTestId('log').getByText('line one').waitFor();
    await page.getByTestId('container-state').getByText('30%').waitFor();
    ok(await updateContainer(gw, gw.rootToken, low.containerUuid, { log: 'line one\nline two\n' }));
    await page.getByTestId('log').getByText('line two').waitFor();
    const output = JSON.stringify({ files: [], fileCount: 0, totalBytes: 0 });
    ok(
      await updateContainer(gw, gw.rootToken, low.containerUuid, { state: 'COMPLETE', exitCode: 3, output }),
    );
    await page.getByTestId('exit-code').getByText('3').waitFor();
    await page.getByTestId('output').getByText('"fileCount": 0').waitFor();
    await page.getByText('FINAL').first().waitFor();
    await wb.screenshot('request');

    // Cancel the high one from its page: priority 0, and it ends.
    await page.goto(`${url}/workbench/requests/${high.uuid}`);
    await page.getByRole('button', { name: 'Cancel request' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.getByTestId('priority').getByText(/^0/).waitFor();
    await expect(page.getByRole('button', { name: 'Cancel request' }).count()).resolves.toBe(0);
    // A container nothing wants any more is cancelled (by the gateway while queued, else by
    // its dispatcher): the request ends, not retried.
    await page.getByTestId('container-state').getByText('CANCELLED').waitFor();
    await page.getByTestId('request-state').getByText('FINAL').waitFor();

    // A container cancelled under a request that may try twice: the page shows both attempts.
    await page.goto(`${url}/workbench/requests/${retried.uuid}`);
    await page.getByTestId('attempts').getByText('1 of at most 2').waitFor();
    ok(await updateContainer(gw, gw.rootToken, retried.containerUuid, { state: 'CANCELLED' }));
    await page.getByTestId('attempts').getByText('2 of at most 2').waitFor();
    await page.getByTestId('attempts').locator('li').nth(1).waitFor();
    expect(await page.getByTestId('attempts').textContent()).toContain(retried.containerUuid);

    // A phone's width: the list and a request's page in one column.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    await page.getByRole('link', { name: 'wb-retried' }).waitFor();
    await wb.screenshot('requests-phone');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole('link', { name: 'wb-low' }).click();
    await page.getByTestId('log').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await wb.screenshot('request-phone');

    expect(wb.requests.filter((r) => !r.startsWith(`${url}/`))).toEqual([]);
    expect(wb.cspViolations).toEqual([]);
    expect(wb.accessibility).toEqual([]);
  },
  BROWSER_TIMEOUT,
);
