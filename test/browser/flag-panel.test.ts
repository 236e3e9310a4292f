/**
 * The panel on a flag's issue in headless Chromium, loaded as Jira loads it (iframe URL with a page JWT
 * whose qsh covers the issue in the query), offline. Three environments: staging and development on
 * v2, production on v1 with v2 being deployed. Then the refusals: no JWT, a JWT for another issue, an
 * issue that is not a flag, and another site asking for this site's issue. Screenshot in test-results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { ACCOUNT_ID, REGION, startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { issuesByFlag, waitIdle } from '../support/pipeline-kit.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = path.join(projectRoot, 'test-results');
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const ENVS = {
  staging: { Id: 'env-stg', Name: 'staging' },
  production: { Id: 'env-prd', Name: 'production' },
  development: { Id: 'env-dev', Name: 'development' },
};

describe('the flag panel on its issue, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let otherSite: JiraDouble | undefined;
  let associationId: string;
  const pageErrors: string[] = [];

  const missing = fs.existsSync(CHROMIUM) ? null : `The browser test needs Debian's Chromium at ${CHROMIUM}: install it with "apt-get install chromium" (CI does).`;
  beforeEach(() => {
    if (missing) throw new Error(missing);
  });

  beforeAll(async () => {
    if (missing) return;
    h = await startHarness({ db: 'sqlite' });
    const id = (associationId = (await h.associate()).id);
    const send = async (event: Record<string, unknown>) => {
      const res = await h.sendEvent(id, event);
      if (res.status !== 202) throw new Error(`event answered ${res.status}`);
      await waitIdle(h.service.db);
    };
    await send(preCreateEvent(h, flagsV1(), 1));
    await send(deploymentEvent(h, 1, { environment: ENVS.production, deploymentNumber: 1, type: 'OnDeploymentComplete' }));
    await send(preCreateEvent(h, flagsV2(), 2));
    await send(deploymentEvent(h, 2, { environment: ENVS.staging, deploymentNumber: 1, type: 'OnDeploymentComplete' }));
    await send(deploymentEvent(h, 2, { environment: ENVS.development, deploymentNumber: 7, type: 'OnDeploymentComplete' }));
    await send(deploymentEvent(h, 2, { environment: ENVS.production, deploymentNumber: 2, type: 'OnDeploymentStart' }));

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    context.setDefaultTimeout(10_000);
    await context.route('https://connect-cdn.atl-paas.net/**', (route) => route.abort());
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  afterAll(async () => {
    await browser?.close();
    await otherSite?.close();
    await h?.close();
  });

  const panelUrl = (jira: JiraDouble, issue: { id: string; key: string }, accountId = jira.memberAccountId) =>
    jira.pageUrl(h.service.url, `/panel/flag?issueId=${issue.id}&issueKey=${issue.key}`, accountId);

  it('shows the flag, where it lives in AWS, and its state in each of three environments', async () => {
    const banner = issuesByFlag(h.jira).get('beta_banner')!;
    const res = await page.goto(panelUrl(h.jira, banner));
    const csp = res?.headers()['content-security-policy'] ?? '';
    for (const directive of ["default-src 'none'", "base-uri 'none'", "form-action 'none'"]) expect(csp).toContain(directive);
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toContain('Beta banner');
    const facts = await page.locator('.panel-facts').innerText();
    for (const text of [ACCOUNT_ID, REGION, h.app.name, h.app.id, h.profile.name, h.profile.id]) expect(facts).toContain(text);
    const link = await page.locator('a.panel-console').getAttribute('href');
    expect(link).toBe(`https://${REGION}.console.aws.amazon.com/appconfig/home?region=${REGION}#/applications/${h.app.id}/configurationprofiles/${h.profile.id}`);

    const rows = page.locator('table.panel-environments tbody tr');
    expect(await rows.count()).toBe(3);
    const row = async (name: string) => (await page.locator(`tr[data-environment="${name}"]`).textContent())!.replace(/\s+/g, ' ').trim();
    // beta_banner: off in v1, on in v2.
    expect(await row('development')).toMatch(/^development On 2 \d{4}-.* UTC No$/);
    expect(await row('production')).toMatch(/^production Off 1 .* Deployment #2 of version 2 \(on in it\), since .*UTC$/);
    expect(await row('staging')).toMatch(/^staging On 2 .* No$/);
    expect(pageErrors).toEqual([]);
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'flag-panel.png'), fullPage: true });
  });

  it('says why a state is unknown, in words on the page', async () => {
    const banner = issuesByFlag(h.jira).get('beta_banner')!;
    // A first deployment under way in qa; in perf, a version saved before the app tracked the profile.
    for (const event of [
      deploymentEvent(h, 2, { environment: { Id: 'env-qa', Name: 'qa' }, deploymentNumber: 1, type: 'OnDeploymentStart' }),
      deploymentEvent(h, 0, { environment: { Id: 'env-perf', Name: 'perf' }, deploymentNumber: 1, type: 'OnDeploymentComplete' }),
    ]) {
      expect((await h.sendEvent(associationId, event)).status).toBe(202);
    }
    await waitIdle(h.service.db);
    await page.goto(panelUrl(h.jira, banner));
    const row = async (name: string) => (await page.locator(`tr[data-environment="${name}"]`).textContent())!.replace(/\s+/g, ' ').trim();
    expect(await row('qa')).toMatch(/^qa \(testing\) Unknown No deployment has completed here yet\. — — Deployment #1 of version 2 \(on in it\)/);
    expect(await row('perf')).toMatch(/^perf Unknown The app never received version 0 \(saved before it tracked this profile, or its event did not arrive\)\. 0 /);
  });

  it('says so for an issue that is not a tracked flag', async () => {
    const project = h.jira.store.findProject('FLAG')!;
    const story = h.jira.store.createIssue(project, '10003', 'A story', null, []);
    const res = await page.goto(panelUrl(h.jira, story));
    expect(res?.status()).toBe(200);
    expect(await page.locator('#not-a-flag').innerText()).toMatch(/Not a tracked AppConfig flag/);
  });

  it('refuses a page without a JWT, and a JWT signed for another issue', async () => {
    const banner = issuesByFlag(h.jira).get('beta_banner')!;
    const checkout = issuesByFlag(h.jira).get('checkout_v2')!;
    const unsigned = await page.goto(`${h.service.url}/panel/flag?issueId=${banner.id}&issueKey=${banner.key}`);
    expect(unsigned?.status()).toBe(401);
    expect(await page.getByRole('alert').textContent()).toMatch(/could not confirm who you are.*Reload the page from Jira/s);
    // The JWT's qsh names the checkout issue; the URL asks for the banner's.
    const forged = panelUrl(h.jira, checkout).replace(`issueId=${checkout.id}&issueKey=${checkout.key}`, `issueId=${banner.id}&issueKey=${banner.key}`);
    const res = await page.goto(forged);
    expect(res?.status()).toBe(401);
    expect(await page.content()).not.toContain('Beta banner');
  });

  it('never shows one site the flag of another, even asked by its issue id and key', async () => {
    otherSite = await startJiraDouble();
    const install = await otherSite.install(h.service.config.baseUrl);
    expect(install.status).toBe(204);
    const banner = issuesByFlag(h.jira).get('beta_banner')!;
    const res = await page.goto(panelUrl(otherSite, banner));
    expect(res?.status()).toBe(200);
    expect(await page.locator('#not-a-flag').count()).toBe(1);
    expect(await page.content()).not.toContain('Beta banner');
  });

  it('says a flag deleted from the profile is deleted, not enabled', async () => {
    const banner = issuesByFlag(h.jira).get('beta_banner')!;
    await page.goto(panelUrl(h.jira, banner));
    expect(await page.locator('#newest-version').innerText()).toBe('Newest saved version: enabled.');
    // Version 3 drops beta_banner (on in version 2).
    const v3 = flagsV2() as { flags: Record<string, unknown>; values: Record<string, unknown> };
    delete v3.flags.beta_banner;
    delete v3.values.beta_banner;
    const id = (await h.api('get', '/api/associations')).body.associations[0].id as string;
    expect((await h.sendEvent(id, preCreateEvent(h, v3, 3))).status).toBe(202);
    await waitIdle(h.service.db);
    await page.goto(panelUrl(h.jira, banner));
    expect(await page.locator('#newest-version').innerText()).toMatch(/^Deleted from the profile in its newest saved version/);
  });

  it('refuses a malformed issue with a 400 page that says what is wrong', async () => {
    const res = await page.goto(h.jira.pageUrl(h.service.url, '/panel/flag?issueId=12ab', h.jira.memberAccountId));
    expect(res?.status()).toBe(400);
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toMatch(/This page could not be shown.*issueId.*Error code: invalid_issue \(HTTP 400\)/s);
  });
});
