// The workbench in a real browser (Debian's chromium through playwright-core) against a
// listening gateway: sign in with a pasted token, see your requests newest first, page and
// filter them, watch a row change in place as its container runs, and be sent back to sign-in
// with the reason when the token is revoked. Every request the page makes goes to the gateway,
// and the Content-Security-Policy blocks nothing the app needs. The behaviour under test is the
// page's: one backend is enough.
import { lock, updateContainer } from '../helpers/api.js';
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
    // Back to the unfiltered list as it was: both pages, from the cache.
    await page.getByText('Showing 21 of 21').waitFor();

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
  },
  BROWSER_TIMEOUT,
);
