/**
 * The Forge Configure page (the BUILT Custom UI in forge/static/configure/) in headless Chromium,
 * against the real app and the doubles. A small host plays Forge's part:
 *   - it serves the Custom UI's files under Forge's default Content-Security-Policy (no inline script
 *     or style; the page may not reach any server itself: connect-src 'none'), and nothing else is
 *     reachable: every other request is refused and recorded, so a CDN fetch would fail the test;
 *   - it defines `window.__bridge.callBridge` before the bundle loads, as the Forge host does;
 *     @forge/bridge's invokeRemote calls it with ('invoke', { path, method, body, invokeType }), and the
 *     double forwards the call to the backend the way Forge does (a FIT signed by the Forge double,
 *     the app system and user tokens), answering `{ success, payload: { status, headers, body } }`.
 * The admin walks the page as on Connect: fill, Load applications/profiles, Test connection, Save, the
 * association listed with its health, a wrong secret shown next to its field, Remove. The same walk on
 * the Connect page sends the same requests and gets the same answers. A call Forge cannot deliver, and
 * a user who is not a Jira admin, each get their message. A screenshot goes to
 * test-results/configure-forge.png (docs/configure-page.png in the README is one).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppConfigClient, DeleteExtensionAssociationCommand } from '@aws-sdk/client-appconfig';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FORGE_PAGE_DIR } from '../../src/configure/page-files.js';
import { projectRoot } from '../../src/paths.js';
import { fixtureText } from '../support/fixtures.js';
import { BRIDGE_INIT_SCRIPT, bridgeAnswer, CHROMIUM, chromiumMissing, FORGE_CSP, LAUNCH_ARGS, serveCustomUi, type InvokePayload } from '../support/forge-custom-ui.js';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { ACCOUNT_ID, KEYS, REGION, type Harness } from '../support/harness.js';

const RESULTS = path.join(projectRoot, 'test-results');
const WRONG_SECRET = 'this-is-not-the-right-secret-000000';
const textOf = async (locator: Locator) => (await locator.allTextContents()).join('\n');

/** One API call of the page, as it left the page and as its answer came back. */
interface Exchange {
  method: string;
  path: string;
  body: unknown;
  status: number;
  answer: unknown;
}

/** Ids (the app's and AWS's) and times differ between two runs; nothing else in an exchange may. */
function normalise(exchanges: Exchange[]): string[] {
  const generated = new Set(['id', 'extensionAssociationId']);
  return exchanges
    .map((e) =>
      JSON.stringify(e, (key, value: unknown) => (generated.has(key) && typeof value === 'string' ? `<${key}>` : value))
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>'),
    )
    .sort();
}

/** The admin's walk through the Configure page, the same on both transports. */
async function walk(page: Page, h: Harness, name: string): Promise<void> {
  const formMessage = () => textOf(page.locator('#form-message'));
  const rows = page.locator('#associations-body tr');
  await expect.poll(() => page.locator('#associations-status').textContent()).toMatch(/No configuration profile is tracked yet/);

  await page.getByLabel('Jira project', { exact: true }).fill('FLAG');
  await page.getByLabel('Jira project', { exact: true }).press('Tab');
  await page.getByLabel('AWS Region').selectOption(REGION);
  await page.getByLabel('Access key ID', { exact: true }).fill(KEYS.full.accessKeyId);
  await page.getByLabel('Secret access key', { exact: true }).fill(KEYS.full.secretAccessKey);

  await page.getByRole('button', { name: 'Load applications' }).click();
  const apps = page.locator('#applicationId-choices');
  await expect.poll(() => apps.isVisible()).toBe(true);
  expect(await apps.locator('option').allTextContents()).toContain(`shop (${h.app.id})`);
  await apps.selectOption(h.app.id);
  await page.getByRole('button', { name: 'Load profiles' }).click();
  const profiles = page.locator('#configurationProfileId-choices');
  await expect.poll(() => profiles.isVisible()).toBe(true);
  await profiles.selectOption(h.profile.id);
  expect(await page.getByLabel('Configuration profile', { exact: true }).inputValue()).toBe(h.profile.id);

  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect.poll(formMessage, { timeout: 15_000 }).toMatch(/The connection works/);
  expect(await formMessage()).toContain(`Application shop (${h.app.id})`);

  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(formMessage, { timeout: 25_000 }).toMatch(/Saved: project FLAG now tracks this profile/);
  expect(await formMessage()).toMatch(/Every existing flag now has its issue/);
  await expect.poll(() => rows.count()).toBe(1);
  const row = await rows.first().innerText();
  for (const part of ['FLAG', 'shop', 'release-flags', 'Last event', 'Backlog 0 · Failed events 0']) expect(row).toContain(part);
  expect(row).toMatch(/Healthy/i);
  // The keys are gone from the form, and from the whole page, once Save has used them.
  expect(await page.getByLabel('Secret access key', { exact: true }).inputValue()).toBe('');
  expect(await page.getByLabel('Session token (optional)', { exact: true }).inputValue()).toBe('');
  expect(await page.content()).not.toContain(KEYS.full.secretAccessKey);
  fs.mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`), fullPage: true });

  // A wrong secret: the error is next to the secret field, which gets the focus.
  await page.getByLabel('Secret access key', { exact: true }).fill(WRONG_SECRET);
  await page.getByRole('button', { name: 'Test connection' }).click();
  const error = page.locator('#secretAccessKey-error');
  await expect.poll(() => error.isVisible(), { timeout: 15_000 }).toBe(true);
  expect(await textOf(error)).toMatch(/secret access key/i);
  expect(await page.getByLabel('Secret access key', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('secretAccessKey');
  expect(await page.content()).not.toContain(WRONG_SECRET);

  await page.getByRole('button', { name: 'Remove shop / release-flags' }).click();
  await page.getByRole('button', { name: 'Confirm removing shop / release-flags' }).click();
  await expect.poll(() => page.locator('#associations-status').textContent()).toMatch(/No configuration profile is tracked yet/);
  expect(await textOf(page.locator('#associations-message'))).toMatch(/Stopped tracking shop \/ release-flags/);
}

describe('Forge Configure page (Custom UI) in Chromium', () => {
  let h: ForgeHarness;
  let host: { url: string; close(): Promise<void> };
  let browser: Browser;
  const connectExchanges: Exchange[] = [];
  const forgeExchanges: Exchange[] = [];
  /** The Forge exchanges of the walk alone (the failure afterwards has no Connect counterpart). */
  let forgeWalk: Exchange[] = [];
  const bridgeCalls: unknown[] = [];
  const refused: string[] = [];
  const pageErrors: string[] = [];
  /** Set to make the host fail the next call as Forge does when it cannot deliver one (e.g. its 25 s limit). */
  let failNextInvoke = false;

  const missing = chromiumMissing();
  beforeEach(() => {
    if (missing) throw new Error(missing);
  });

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    context.setDefaultTimeout(10_000);
    return context;
  }

  beforeAll(async () => {
    if (missing) return;
    // The app with both doors: the Connect site (h.jira) and a Forge installation on its own site (h.siteJira).
    h = await startForgeHarness({ db: 'sqlite' });
    h.aws.addHostedVersion(h.app.id, h.profile.id, fixtureText('flags-v1.json'), { description: 'first flags' });
    host = await serveCustomUi(FORGE_PAGE_DIR);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await h?.close();
  });

  it('walks the Connect page, recording what it sends and gets back', async () => {
    const context = await newContext();
    await context.route('https://connect-cdn.atl-paas.net/**', (route) => route.abort());
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`connect: ${err.message}`));
    page.on('response', async (response) => {
      const request = response.request();
      const url = new URL(request.url());
      if (!url.pathname.startsWith('/api/')) return;
      const answer = response.status() === 204 ? null : await response.json().catch(() => null);
      connectExchanges.push({ method: request.method(), path: url.pathname + url.search, body: request.postDataJSON() ?? null, status: response.status(), answer });
    });
    await page.goto(h.jira.pageUrl(h.service.url, '/configure', h.jira.adminAccountId));
    await walk(page, h, 'configure-connect');
    await context.close();
    // What an AWS admin does after Remove (the app keeps no keys to do it): the Forge walk starts from the same AWS.
    const awsAdmin = { accessKeyId: 'AKIAAWSADMIN00000009', secretAccessKey: 'aws-admin-secret-key-dddddddddddddddddddddd' };
    h.aws.addKey({ ...awsAdmin, accountId: ACCOUNT_ID, userArn: `arn:aws:iam::${ACCOUNT_ID}:user/aws-admin`, allow: ['appconfig:DeleteExtensionAssociation'] });
    const appconfig = new AppConfigClient({ region: REGION, credentials: awsAdmin, endpoint: h.aws.url });
    for (const a of h.aws.extensionAssociations()) await appconfig.send(new DeleteExtensionAssociationCommand({ ExtensionAssociationId: a.id }));
    expect(h.aws.extensionAssociations()).toHaveLength(0);
  }, 90_000);

  /**
   * The built Custom UI in a fresh browser context, with the host's side of the bridge calling the
   * backend as `accountId` of the Forge site. Only the Custom UI's own files are reachable.
   */
  async function openForgePage(accountId: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext();
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(`${host.url}/`)) return route.continue();
      refused.push(route.request().url());
      return route.abort();
    });
    // Forge's host side of the bridge: the platform, not the page, calls the remote backend.
    await context.exposeFunction('__forgeHost', async (name: string, payload: InvokePayload) => {
      bridgeCalls.push({ name, payload });
      if (failNextInvoke) {
        failNextInvoke = false;
        return { success: false, error: { message: 'The remote did not answer in time' } };
      }
      if (name !== 'invoke' || payload.invokeType !== 'ui-remote-fetch') return { success: false, error: { message: `unexpected bridge call ${name}` } };
      // As Forge does: a FIT for this installation and user, the app system and user tokens, the body as JSON.
      const answer = await h.forgeApi(payload.method, payload.path, payload.body, accountId);
      forgeExchanges.push({ method: payload.method, path: payload.path, body: payload.body ?? null, status: answer.status, answer: answer.json ?? null });
      return bridgeAnswer(answer);
    });
    await context.addInitScript(BRIDGE_INIT_SCRIPT);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`forge: ${err.message}`));
    const res = await page.goto(`${host.url}/index.html`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toBe(FORGE_CSP);
    return { context, page };
  }

  it('walks the built Custom UI with the bridge double: fill, load, test, save, health, wrong secret, remove', async () => {
    const { context, page } = await openForgePage(h.siteJira.adminAccountId);

    // AUI's styles came with the bundle: the primary button is not the browser's default.
    const saveColour = String(await page.evaluate("getComputedStyle(document.getElementById('save')).backgroundColor"));
    expect(saveColour).not.toMatch(/^rgba?\(0, 0, 0(, 0)?\)$|rgb\(239, 239, 239\)/);
    // No inline script or style anywhere in the page.
    expect(await page.evaluate("[...document.scripts].filter((s) => !s.src).length")).toBe(0);
    expect(await page.evaluate("document.querySelectorAll('style, [style]').length")).toBe(0);

    await walk(page, h, 'configure-forge');
    forgeWalk = [...forgeExchanges];

    // A call Forge cannot deliver: the page says the app did not answer, and works again on the next try.
    failNextInvoke = true;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => textOf(page.locator('#associations-message'))).toMatch(/Could not load the tracked configuration profiles[\s\S]*The app did not answer/);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('#associations-status').textContent()).toMatch(/No configuration profile is tracked yet/);
    expect(await textOf(page.locator('#associations-message'))).toBe('');

    // The page acted for the Forge installation: the backfill wrote to the Forge site's Jira.
    expect(h.siteJira.issues()).toHaveLength(2);
    expect(await page.evaluate('window.__cspViolations')).toEqual([]);
    expect(refused).toEqual([]);
    await context.close();
  }, 90_000);

  it('a Forge user who is not a Jira admin is told so, and nothing loads', async () => {
    const before = forgeExchanges.length;
    const { context, page } = await openForgePage(h.siteJira.memberAccountId);
    await expect.poll(() => textOf(page.locator('#associations-message'))).toMatch(/Could not load the tracked configuration profiles/);
    const refusedCalls = forgeExchanges.slice(before);
    expect(refusedCalls.length).toBeGreaterThanOrEqual(1);
    for (const e of refusedCalls) expect(e.status).toBe(403);
    const message = (refusedCalls.find((e) => e.path === '/api/associations')!.answer as { error: { message: string } }).error.message;
    expect(await textOf(page.locator('#associations-message'))).toContain(message);
    expect(await page.locator('#associations-body tr').count()).toBe(0);
    await context.close();
  });

  it('every call went through invokeRemote, and the secret left the page only in the requests that use it', () => {
    expect(bridgeCalls.length).toBe(forgeExchanges.length + 1); // the one Forge failed never reached the app
    expect(bridgeCalls.every((c) => (c as { payload: { invokeType: string } }).payload.invokeType === 'ui-remote-fetch')).toBe(true);
    expect(bridgeCalls.every((c) => (c as { name: string }).name === 'invoke')).toBe(true);
    for (const e of forgeExchanges) {
      const carriesSecret = JSON.stringify(e.body).includes(KEYS.full.secretAccessKey);
      if (carriesSecret) expect(['/api/aws/applications', '/api/aws/configuration-profiles', '/api/associations', '/api/associations?dryRun=true']).toContain(e.path);
      expect(e.path).not.toContain(KEYS.full.secretAccessKey);
      expect(JSON.stringify(e.answer)).not.toContain(KEYS.full.secretAccessKey);
      expect(JSON.stringify(e.answer)).not.toContain(WRONG_SECRET);
    }
    const saves = forgeExchanges.filter((e) => e.method === 'POST' && e.path === '/api/associations');
    expect(saves).toHaveLength(1);
    expect(saves[0]!.status).toBe(201);
    expect(saves[0]!.body).toMatchObject({ secretAccessKey: KEYS.full.secretAccessKey });
  });

  it('sends the same requests and gets the same answers as the Connect page', () => {
    expect(forgeWalk.length).toBeGreaterThanOrEqual(10);
    expect(normalise(forgeWalk)).toEqual(normalise(connectExchanges));
  });

  it('ran without script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
