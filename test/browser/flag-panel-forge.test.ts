/**
 * The flag panel's Forge Custom UI (the BUILT forge/static/flag-panel/) in headless Chromium, against
 * the real app and the doubles, as Forge shows it on an issue: served under Forge's default CSP, the
 * issue from view.getContext(), the data through invokeRemote, which the bridge double forwards to the
 * backend with a FIT of the installation and the viewing user (any user, not only an admin).
 * The Forge site's flags have three environments: staging and development on v2, production on v1
 * with v2 being deployed. Then an issue that is not a flag, and a second installation asking for the
 * first one's issue by its id and key. Screenshot in test-results/flag-panel-forge.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FORGE_PANEL_DIR } from '../../src/configure/page-files.js';
import { projectRoot } from '../../src/paths.js';
import type { ForgeInstallation } from '../doubles/forge/index.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';
import { databaseKinds } from '../support/databases.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { BRIDGE_INIT_SCRIPT, bridgeAnswer, CHROMIUM, chromiumMissing, FORGE_CSP, LAUNCH_ARGS, serveCustomUi, type InvokePayload } from '../support/forge-custom-ui.js';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { ACCOUNT_ID, REGION } from '../support/harness.js';
import { issuesByFlag, waitIdle } from '../support/pipeline-kit.js';

const RESULTS = path.join(projectRoot, 'test-results');
const PANEL_MODULE = { type: 'jira:issueContext', key: 'flag-panel' };
const ENVS = {
  staging: { Id: 'env-stg', Name: 'staging' },
  production: { Id: 'env-prd', Name: 'production' },
  development: { Id: 'env-dev', Name: 'development' },
};

interface Issue {
  id: string;
  key: string;
}

describe.each(databaseKinds)('the flag panel as a Forge Custom UI, in Chromium (%s)', (kind) => {
  let h: ForgeHarness;
  let host: { url: string; close(): Promise<void> };
  let browser: Browser;
  let otherSite: JiraDouble | undefined;
  const calls: { path: string; method: string; status: number }[] = [];
  const refused: string[] = [];
  const pageErrors: string[] = [];

  const missing = chromiumMissing();
  beforeEach(() => {
    if (missing) throw new Error(missing);
  });

  beforeAll(async () => {
    if (missing) return;
    h = await startForgeHarness({ db: kind });
    h.aws.addHostedVersion(h.app.id, h.forgeProfile.id, JSON.stringify(flagsV1()), { description: 'first flags' });
    const id = (await h.forgeAssociate()).id;
    const target = { app: h.app, profile: h.forgeProfile };
    const send = async (event: Record<string, unknown>) => {
      const res = await h.sendEvent(id, event);
      if (res.status !== 202) throw new Error(`event answered ${res.status}`);
      await waitIdle(h.service.db);
    };
    await send(deploymentEvent(target, 1, { environment: ENVS.production, deploymentNumber: 1, type: 'OnDeploymentComplete' }));
    await send(preCreateEvent(target, flagsV2(), 2));
    await send(deploymentEvent(target, 2, { environment: ENVS.staging, deploymentNumber: 1, type: 'OnDeploymentComplete' }));
    await send(deploymentEvent(target, 2, { environment: ENVS.development, deploymentNumber: 7, type: 'OnDeploymentComplete' }));
    await send(deploymentEvent(target, 2, { environment: ENVS.production, deploymentNumber: 2, type: 'OnDeploymentStart' }));
    host = await serveCustomUi(FORGE_PANEL_DIR);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await otherSite?.close();
    await h?.close();
  });

  /**
   * The built panel in a fresh browser context on `issue`, as `accountId` of installation `inst`: the
   * bridge double answers getContext with the issue, and forwards invokeRemote to the backend with a
   * FIT of the panel module. Only the Custom UI's own files are reachable.
   */
  async function openPanel(issue: Issue, accountId: string, inst: ForgeInstallation = h.inst): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    context.setDefaultTimeout(10_000);
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(`${host.url}/`)) return route.continue();
      refused.push(route.request().url());
      return route.abort();
    });
    await context.exposeFunction('__forgeHost', async (name: string, payload: InvokePayload) => {
      if (name === 'getContext') {
        return { accountId, cloudId: inst.cloudId, moduleKey: PANEL_MODULE.key, extension: { type: PANEL_MODULE.type, issue: { id: issue.id, key: issue.key, type: 'Task' }, project: { key: 'FLAG' } } };
      }
      if (name !== 'invoke' || payload.invokeType !== 'ui-remote-fetch') return { success: false, error: { message: `unexpected bridge call ${name}` } };
      const answer = await h.forge.invokeRemote(h.service.url, inst, { path: payload.path, method: payload.method, body: payload.body, accountId }, { module: PANEL_MODULE });
      calls.push({ path: payload.path, method: payload.method, status: answer.status });
      return bridgeAnswer(answer);
    });
    await context.addInitScript(BRIDGE_INIT_SCRIPT);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const res = await page.goto(`${host.url}/index.html`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toBe(FORGE_CSP);
    return { context, page };
  }

  it('shows a user the flag, where it lives in AWS, and its state in each of three environments', async () => {
    const banner = issuesByFlag(h.siteJira).get('beta_banner')!;
    const { context, page } = await openPanel(banner, h.siteJira.memberAccountId);
    await expect.poll(() => page.locator('h1').textContent()).toContain('Beta banner');
    expect(await page.locator('.panel-key').textContent()).toBe('beta_banner');
    const facts = await page.locator('.panel-facts').innerText();
    for (const text of [ACCOUNT_ID, REGION, h.app.name, h.app.id, h.forgeProfile.name, h.forgeProfile.id]) expect(facts).toContain(text);
    const link = await page.locator('a.panel-console').getAttribute('href');
    expect(link).toBe(`https://${REGION}.console.aws.amazon.com/appconfig/home?region=${REGION}#/applications/${h.app.id}/configurationprofiles/${h.forgeProfile.id}`);

    const rows = page.locator('table.panel-environments tbody tr');
    expect(await rows.count()).toBe(3);
    const row = async (name: string) => (await page.locator(`tr[data-environment="${name}"]`).textContent())!.replace(/\s+/g, ' ').trim();
    // beta_banner: off in v1, on in v2.
    expect(await row('development')).toMatch(/^development On 2 \d{4}-.* UTC No$/);
    expect(await row('production')).toMatch(/^production Off 1 .* Deployment #2 of version 2 \(on in it\), since .*UTC$/);
    expect(await row('staging')).toMatch(/^staging On 2 .* No$/);
    expect(await page.title()).toBe('Beta banner — AppConfig flag');

    // The bundled AUI styles apply (the "On" lozenge is coloured), and nothing is inline.
    const lozenge = String(await page.evaluate("getComputedStyle(document.querySelector('.aui-lozenge-success')).backgroundColor"));
    expect(lozenge).not.toMatch(/^rgba?\(0, 0, 0(, 0)?\)$/);
    expect(await page.evaluate('[...document.scripts].filter((s) => !s.src).length')).toBe(0);
    expect(await page.evaluate("document.querySelectorAll('style, [style]').length")).toBe(0);
    expect(await page.evaluate('window.__cspViolations')).toEqual([]);
    expect(calls.at(-1)).toEqual({ method: 'GET', path: `/api/panel/flag?issueId=${banner.id}&issueKey=${banner.key}`, status: 200 });
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'flag-panel-forge.png'), fullPage: true });
    await context.close();
  });

  it('says so for an issue that is not a tracked flag', async () => {
    const story = h.siteJira.store.createIssue(h.siteJira.store.findProject('FLAG')!, '10003', 'A story', null, []);
    const { context, page } = await openPanel(story, h.siteJira.memberAccountId);
    await expect.poll(() => page.locator('#not-a-flag').count()).toBe(1);
    expect(await page.locator('#not-a-flag').innerText()).toMatch(/Not a tracked AppConfig flag/);
    expect(await page.locator('h1').count()).toBe(0);
    await context.close();
  });

  it('never shows another installation the flag, even asked by its issue id and key', async () => {
    otherSite = await startJiraDouble();
    const other = h.forge.install(otherSite);
    expect((await h.forge.lifecycle(h.service.url, other, 'installed')).status).toBe(200);
    const banner = issuesByFlag(h.siteJira).get('beta_banner')!;
    const { context, page } = await openPanel(banner, otherSite.adminAccountId, other);
    await expect.poll(() => page.locator('#not-a-flag').count()).toBe(1);
    expect(await page.content()).not.toContain('Beta banner');
    expect(calls.at(-1)).toMatchObject({ status: 200 });
    await context.close();
    // Nor does the Connect site, tracking flags of its own, through its own door to the same route.
    h.aws.addHostedVersion(h.app.id, h.profile.id, JSON.stringify(flagsV1()), { description: 'first flags' });
    await h.associate();
    await waitIdle(h.service.db);
    const connectFlags = issuesByFlag(h.jira);
    expect(connectFlags.size).toBe(2);
    const ownId = connectFlags.get('beta_banner')!.id;
    const own = await h.api('get', `/api/panel/flag?issueId=${ownId}`, undefined, h.jira.memberAccountId);
    expect(own.status).toBe(200);
    expect(own.body.flag).toMatchObject({ flagKey: 'beta_banner', profile: { id: h.profile.id } });
    // A flag issue of the Forge site whose id is no tracked issue of the Connect site.
    const connectIds = new Set([...connectFlags.values()].map((i) => i.id));
    const foreign = [...issuesByFlag(h.siteJira).values()].find((i) => !connectIds.has(i.id))!;
    expect(foreign).toBeDefined();
    const asked = await h.api('get', `/api/panel/flag?issueId=${foreign.id}&issueKey=${foreign.key}`, undefined, h.jira.memberAccountId);
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual({ flag: null });
  });

  it('answers a malformed issue with a 400 JSON error, and a call without a valid invocation token with a 401', async () => {
    const bad = await h.forgeApi('GET', '/api/panel/flag?issueKey=flag-1', undefined, h.siteJira.memberAccountId, { module: PANEL_MODULE });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: { code: 'invalid_issue', message: expect.any(String), field: 'issueKey' } });
    const banner = issuesByFlag(h.siteJira).get('beta_banner')!;
    const forged = await h.forgeApi('GET', `/api/panel/flag?issueKey=${banner.key}`, undefined, h.siteJira.memberAccountId, { module: PANEL_MODULE, bad: 'wrong-key' });
    expect(forged.status).toBe(401);
    expect(forged.text).not.toContain('Beta banner');
  });

  it('ran without script errors, and the page reached nothing but its own files', () => {
    expect(pageErrors).toEqual([]);
    expect(refused).toEqual([]);
  });
});
