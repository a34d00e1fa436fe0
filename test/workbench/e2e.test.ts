// The whole way, as a person would go: `npm start`'s gateway and `npm run dispatcher` as real
// processes, the workbench in Chromium. Sign in, see a validation error on the field at fault,
// submit a request with a runtime token and watch it go QUEUED → RUNNING → COMPLETE with its
// log appearing without a reload, cancel a second while it runs. Then the scans: the runtime
// token is in no response the page received (event streams included), no storage entry and
// not in the page; and no request went anywhere but the gateway.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BROWSER_TIMEOUT, type Browser, launchChromium } from '../helpers/chromium.js';
import { DispatcherProcess, waitFor } from '../helpers/dispatcher.js';
import type { Data } from '../helpers/gateway.js';
import { ServerProcess } from '../helpers/server-process.js';
import { openWorkbench, signIn, type WorkbenchPage } from '../helpers/workbench-page.js';

let server: ServerProcess;
let dispatcher: DispatcherProcess | undefined;
let browser: Browser;
let dataDir: string;
let url: string;
let root: string;

/** A GraphQL call to the gateway process, as any client makes it. */
async function gql(query: string, variables: Record<string, unknown>, token: string): Promise<Data> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Data; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function newUserToken(name: string, scopes = ['all']): Promise<{ uuid: string; token: string }> {
  const { createUser } = await gql(
    'mutation($i: CreateUserInput!) { createUser(input: $i) { uuid } }',
    { i: { email: `${name}-${Date.now()}@example.com`, fullName: name } },
    root,
  );
  const { createApiClientAuthorization: t } = await gql(
    'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { apiToken } }',
    { i: { userUuid: createUser.uuid, scopes } },
    root,
  );
  return { uuid: createUser.uuid, token: t.apiToken };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-e2e-'));
  server = ServerProcess.start({ DATA_DIR: dataDir, HOST: '127.0.0.1' });
  url = (await server.ready()).replace(/\/graphql$/, '');
  // Printed once, after the line ready() waits for.
  root = await waitFor('the root token', () => {
    const i = server.lines.findIndex((l) => l.startsWith('System root token'));
    return i >= 0 ? server.lines[i + 1]?.trim() : undefined;
  });
  browser = await launchChromium();
}, BROWSER_TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await dispatcher?.stop();
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  if (dispatcher) fs.rmSync(dispatcher.dir, { recursive: true, force: true });
});

test(
  'submit with a runtime token, watch it run to COMPLETE live, cancel another; the token is nowhere',
  async () => {
    // npm start says where the workbench is.
    expect(server.lines).toContain(`Workbench (web UI) at ${url}/workbench/ — sign in with a token`);
    const user = await newUserToken('Ada');
    const runAs = await newUserToken('Runner');
    const secret = runAs.token.split('/')[2]!;
    const wb: WorkbenchPage = await openWorkbench(browser.context, url);
    const { page } = wb;
    await signIn(page, user.token);
    await page.getByText('Signed in as').waitFor();
    await page.getByRole('link', { name: 'Submit', exact: true }).click();
    await wb.screenshot('e2e-submit');

    // Validation errors on the field at fault: found by the page (a priority out of range),
    // and by the gateway (a runtime token it does not accept, named by extensions.field).
    const fill = async (name: string, command: string) => {
      await page.getByLabel('Name').fill(name);
      await page.getByLabel('Command').fill(command);
      await page.getByLabel('Container image').fill('debian:12');
    };
    await fill('e2e-bad', 'true');
    await page.getByLabel('Priority').fill('1001');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByLabel('Priority').and(page.locator('[aria-invalid="true"]')).waitFor();
    await page.getByText('Priority: a whole number from 0 to 1000.').waitFor();
    await page.getByLabel('Priority').fill('1');
    await page.getByLabel('Runtime token (optional)').fill(`v2/${runAs.token.split('/')[1]}/wrongsecret`);
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByLabel('Runtime token (optional)').and(page.locator('[aria-invalid="true"]')).waitFor();
    await wb.screenshot('e2e-validation');

    // The real one, with the runner's token; no dispatcher yet, so it waits QUEUED.
    await fill('e2e-run', 'sh\n-c\necho started; sleep 3; echo "$GREETING" > greeting.txt; echo finished');
    await page.getByLabel('Environment').fill('GREETING=hello');
    await page.getByLabel('Working directory').fill('/out');
    await page.getByLabel('Runtime token (optional)').fill(runAs.token);
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByRole('heading', { name: 'e2e-run' }).waitFor();
    await expect(page.getByLabel('Runtime token (optional)').count()).resolves.toBe(0);
    const state = page.getByTestId('container-state');
    await state.getByText('QUEUED').waitFor();
    await page.getByTestId('runs-as').getByText(runAs.uuid).waitFor();
    const runUrl = page.url();

    // What the page shows of the container's state, every change of it, from now on.
    await page.evaluate(() => {
      const seen: string[] = [];
      const el = document.querySelector('[data-testid="container-state"]')!;
      const note = () => {
        const s = el.querySelector('.badge')?.textContent ?? '';
        if (s && seen.at(-1) !== s) seen.push(s);
      };
      note();
      new MutationObserver(note).observe(el, { subtree: true, childList: true, characterData: true });
      Object.assign(window, { seen });
    });

    const { createApiClientAuthorization: d } = await gql(
      'mutation { createApiClientAuthorization(input: {scopes: ["all"]}) { apiToken } }',
      {},
      root,
    );
    dispatcher = await DispatcherProcess.start(url, { token: d.apiToken, killGraceSeconds: 1 }).ready();

    await page.getByTestId('log').getByText('started').waitFor({ timeout: 60_000 });
    await state.getByText('RUNNING').waitFor();
    await wb.screenshot('e2e-running');
    await page.getByTestId('exit-code').getByText('0').waitFor({ timeout: 60_000 });
    await page.getByTestId('log').getByText('finished').waitFor();
    await page.getByTestId('output').getByText('greeting.txt').waitFor();
    await page.getByTestId('request-state').getByText('FINAL').waitFor();
    expect(page.url()).toBe(runUrl);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.filter((s) => ['QUEUED', 'RUNNING', 'COMPLETE'].includes(s))).toEqual([
      'QUEUED',
      'RUNNING',
      'COMPLETE',
    ]);
    await wb.screenshot('e2e-complete');

    // A second, long one: cancel it while it runs.
    await page.getByRole('link', { name: 'Submit', exact: true }).click();
    await fill('e2e-cancel', 'sh\n-c\necho waiting; sleep 120');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByRole('heading', { name: 'e2e-cancel' }).waitFor();
    await page.getByTestId('log').getByText('waiting').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel request' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.getByTestId('container-state').getByText('CANCELLED').waitFor({ timeout: 60_000 });
    await page.getByTestId('request-state').getByText('FINAL').waitFor();
    await wb.screenshot('e2e-cancelled');

    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    await page.getByText('Showing 2 of 2').waitFor();
    await wb.screenshot('e2e-requests');

    // The scans. The page did receive the events (the recorder works) …
    const bodies = (await wb.bodies()).join('\n');
    expect(bodies).toContain('containerRequestUpdated');
    expect(bodies).toContain('finished');
    // … and the runtime token's secret is in none of them, nor in storage or the page.
    expect(bodies).not.toContain(secret);
    const { html, values, stored } = await page.evaluate(() => ({
      html: document.documentElement.outerHTML,
      values: [...document.querySelectorAll('input, textarea')].map((e) => (e as HTMLInputElement).value),
      stored: [...Object.values(sessionStorage), ...Object.values(localStorage)],
    }));
    expect(`${html}\n${values.join('\n')}\n${stored.join('\n')}`).not.toContain(secret);
    expect(stored).toEqual([user.token]);
    // Nothing went anywhere but the gateway, and the policy blocked nothing.
    expect(wb.requests.filter((r) => !r.startsWith(`${url}/`))).toEqual([]);
    expect(wb.cspViolations).toEqual([]);
    expect(wb.accessibility).toEqual([]);
    await waitFor('the dispatcher to finish the cancelled one', () =>
      dispatcher!.logs().some((l) => l.msg === 'container final' || l.msg === 'container cancelled'),
    );
  },
  BROWSER_TIMEOUT + 120_000,
);
