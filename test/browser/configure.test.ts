/**
 * The Configure page in headless Chromium (Debian's /usr/bin/chromium) against the real app and the
 * doubles: loaded as Jira loads it (iframe URL with a Connect JWT), offline (Atlassian's CDN blocked, so
 * all.js never loads), the admin fills the form, loads the pickers, tests the connection, saves, and
 * sees the association with its health. Then an error path: a wrong secret is shown next to its field.
 * Screenshots go to test-results/ (gitignored), kept as artifacts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { fixtureText } from '../support/fixtures.js';
import { KEYS, REGION, startHarness, type Harness } from '../support/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = path.join(projectRoot, 'test-results');
/** A locator's text without waiting for it to exist ('' when absent), for polling. */
const textOf = async (locator: Locator) => (await locator.allTextContents()).join('\n');
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

describe('Configure page in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const blocked: string[] = [];

  // Without the browser every test FAILS with this message (a skipped browser test would hide a broken CI image).
  const missing = fs.existsSync(CHROMIUM)
    ? null
    : `The browser test needs Debian's Chromium at ${CHROMIUM}: install it with "apt-get install chromium" (CI does).`;
  beforeEach(() => {
    if (missing) throw new Error(missing);
  });

  beforeAll(async () => {
    if (missing) return;
    h = await startHarness({ db: 'sqlite' });
    h.aws.addHostedVersion(h.app.id, h.profile.id, fixtureText('flags-v1.json'), { description: 'first flags' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    context.setDefaultTimeout(10_000); // a stuck step fails with its own message, well within the test's timeout
    // Offline: Atlassian's CDN is out of reach; the page must work without all.js.
    await context.route('https://connect-cdn.atl-paas.net/**', (route) => {
      blocked.push(route.request().url());
      return route.abort();
    });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('loads with the Connect JWT as Jira loads it, without Atlassian\'s CDN', async () => {
    // The iframe URL Jira builds (xdm_e, cp, lic, ... and a JWT whose qsh covers them), on the app's own address.
    const url = h.jira.pageUrl(h.service.url, '/configure', h.jira.adminAccountId);
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    // Nothing the page needs falls outside its policy, which allows no plugins, <base> or foreign form targets.
    const csp = res?.headers()['content-security-policy'] ?? '';
    for (const directive of ["object-src 'none'", "base-uri 'none'", "form-action 'self'"]) expect(csp).toContain(directive);
    await expect.poll(() => page.locator('#associations-status').textContent()).toMatch(/No configuration profile is tracked yet/);
    expect(blocked.some((u) => u.endsWith('/all.js'))).toBe(true);
    // Our own AUI styles loaded (not from a CDN): AUI's primary button is not the browser default.
    // (Expressions as strings: the tests are type-checked without the DOM library.)
    const saveColour = String(await page.evaluate("getComputedStyle(document.getElementById('save')).backgroundColor"));
    expect(saveColour).not.toMatch(/^rgba?\(0, 0, 0(, 0)?\)$|rgb\(239, 239, 239\)/);
    for (const label of ['Jira project', 'AWS Region', 'Access key ID', 'Secret access key', 'Session token (optional)', 'AppConfig application']) {
      await expect.poll(() => page.getByLabel(label, { exact: label === 'AWS Region' ? false : true }).count()).toBe(1);
    }
    expect(await page.getByLabel('Configuration profile', { exact: true }).count()).toBe(1);
  });

  it('a page without a valid JWT is refused', async () => {
    const other = await page.context().newPage(); // offline like the rest: all.js is not fetched
    try {
      // Jira shows what the frame holds: a page that says what happened and what to do, not an API body.
      const res = await other.goto(`${h.service.url}/configure`);
      expect(res?.status()).toBe(401);
      expect(await other.getByRole('alert').textContent()).toMatch(/could not confirm who you are.*Reload the page from Jira/s);
      expect(await other.locator('body').textContent()).not.toContain('{"error"');
      const member = await other.goto(h.jira.pageUrl(h.service.url, '/configure', h.jira.memberAccountId));
      expect(member?.status()).toBe(403);
      expect(await other.getByRole('alert').textContent()).toContain('Only Jira site administrators can configure AppConfig feature flags.');
    } finally {
      await other.close();
    }
  });

  it('fills the form with the pickers, tests the connection, saves, and lists the association with its health', async () => {
    await page.getByLabel('Jira project', { exact: true }).fill('FLAG');
    await page.getByLabel('Jira project', { exact: true }).press('Tab');
    await page.getByLabel('AWS Region').selectOption(REGION);
    await page.getByLabel('Access key ID', { exact: true }).fill(KEYS.full.accessKeyId);
    await page.getByLabel('Secret access key', { exact: true }).fill(KEYS.full.secretAccessKey);

    // "Load applications" lists what the keys can see; picking one fills the field.
    await page.getByRole('button', { name: 'Load applications' }).click();
    const apps = page.locator('#applicationId-choices');
    await expect.poll(() => apps.isVisible()).toBe(true);
    expect(await apps.locator('option').allTextContents()).toContain(`shop (${h.app.id})`);
    await apps.selectOption(h.app.id);
    expect(await page.getByLabel('AppConfig application', { exact: true }).inputValue()).toBe(h.app.id);

    await page.getByRole('button', { name: 'Load profiles' }).click();
    const profiles = page.locator('#configurationProfileId-choices');
    await expect.poll(() => profiles.isVisible()).toBe(true);
    await profiles.selectOption(h.profile.id);
    expect(await page.getByLabel('Configuration profile', { exact: true }).inputValue()).toBe(h.profile.id);

    // A slow AWS answer shows progress, and the buttons cannot be pressed twice meanwhile.
    h.aws.faults.add({ service: 'sts', action: 'GetCallerIdentity', delayMs: 1_500 });
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.locator('#busy').isVisible()).toBe(true);
    expect(await textOf(page.locator('#busy-text'))).toMatch(/Checking AWS/);
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    // Polled on the whole message area, so a failure shows what the page said instead.
    const formMessage = () => textOf(page.locator('#form-message'));
    const success = page.locator('#form-message .aui-message-success');
    await expect.poll(formMessage, { timeout: 15_000 }).toMatch(/The connection works/);
    expect(await success.count()).toBe(1);
    // The keyboard focus is back on the button that started the work (disabling it had dropped it).
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('test-connection');
    expect(await textOf(success)).toContain(`Application shop (${h.app.id})`);
    expect(h.aws.extensionAssociations()).toHaveLength(0); // a test creates nothing
    // The result speaks of the inputs it was checked with: editing one takes it away.
    const profileField = page.getByLabel('Configuration profile', { exact: true });
    await profileField.press('End');
    await profileField.press('Backspace');
    await expect.poll(() => success.count()).toBe(0);
    await profileField.pressSequentially(h.profile.id.slice(-1));
    expect(await profileField.inputValue()).toBe(h.profile.id);

    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(formMessage, { timeout: 25_000 }).toMatch(/Saved: project FLAG now tracks this profile/);
    expect(await textOf(success)).toMatch(/Every existing flag now has its issue/);
    // The keys are gone from the form once used.
    expect(await page.getByLabel('Secret access key', { exact: true }).inputValue()).toBe('');

    const rows = page.locator('#associations-body tr');
    await expect.poll(() => rows.count()).toBe(1);
    const row = await rows.first().innerText();
    expect(row).toContain('FLAG');
    expect(row).toContain('shop');
    expect(row).toContain('release-flags');
    expect(row).toMatch(/Healthy/i); // an AUI lozenge shows it in capitals
    expect(row).toMatch(/Last event/);
    expect(row).toMatch(/Backlog 0 · Failed events 0/);
    // The id the AWS admin's get/delete-extension-association commands take.
    expect(row).toContain(`Extension association ${h.aws.extensionAssociations()[0]!.id}`);
    expect(await page.locator('#associations-status').textContent()).toMatch(/1 tracked configuration profile\./);
    expect(h.aws.extensionAssociations()).toHaveLength(1);
    expect(h.jira.issues()).toHaveLength(2);

    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'configure.png'), fullPage: true });
  }, 60_000); // headroom for a loaded CI machine; it takes about 4 s

  it('forgets a profile picked for one application when another application is picked', async () => {
    const other = h.aws.addApplication({ name: 'warehouse' });
    await page.getByLabel('Access key ID', { exact: true }).fill(KEYS.full.accessKeyId);
    await page.getByLabel('Secret access key', { exact: true }).fill(KEYS.full.secretAccessKey);
    const apps = page.locator('#applicationId-choices');
    const profiles = page.locator('#configurationProfileId-choices');
    await page.getByRole('button', { name: 'Load applications' }).click();
    await expect.poll(() => apps.isVisible()).toBe(true);
    await apps.selectOption(h.app.id);
    await page.getByRole('button', { name: 'Load profiles' }).click();
    await expect.poll(() => profiles.isVisible()).toBe(true);
    await profiles.selectOption(h.profile.id);
    expect(await page.getByLabel('Configuration profile', { exact: true }).inputValue()).toBe(h.profile.id);

    // Another application: the first one's profiles are no longer offered, and its profile is not kept.
    await apps.selectOption(other.id);
    expect(await page.getByLabel('AppConfig application', { exact: true }).inputValue()).toBe(other.id);
    expect(await page.getByLabel('Configuration profile', { exact: true }).inputValue()).toBe('');
    expect(await profiles.isVisible()).toBe(false);
    // A profile typed by hand, while a list is loaded, is the admin's own: changing the application leaves it.
    await apps.selectOption(h.app.id);
    await page.getByRole('button', { name: 'Load profiles' }).click();
    await expect.poll(() => profiles.isVisible()).toBe(true);
    await page.getByLabel('Configuration profile', { exact: true }).fill('release-flags');
    await apps.selectOption(other.id);
    expect(await profiles.isVisible()).toBe(false);
    expect(await page.getByLabel('Configuration profile', { exact: true }).inputValue()).toBe('release-flags');
  }, 30_000);

  it('lists the profiles of an application typed by its name, as Save takes it', async () => {
    h.aws.addProfile(h.app.id, { name: 'Ops flags', type: 'AWS.AppConfig.FeatureFlags' });
    await page.getByLabel('Access key ID', { exact: true }).fill(KEYS.full.accessKeyId);
    await page.getByLabel('Secret access key', { exact: true }).fill(KEYS.full.secretAccessKey);
    await page.getByLabel('AppConfig application', { exact: true }).fill(h.app.name);
    const profiles = page.locator('#configurationProfileId-choices');
    await page.getByRole('button', { name: 'Load profiles' }).click();
    await expect.poll(() => profiles.isVisible()).toBe(true);
    expect(await profiles.locator('option').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Ops flags')]));
    expect(await page.locator('#applicationId-error').isVisible()).toBe(false);
    await page.getByLabel('AppConfig application', { exact: true }).fill(h.app.id);
  }, 30_000);

  it('a project left before the search knew it gets its own issue types once the search answers', async () => {
    h.jira.addProject({ key: 'NOTASK', name: 'No tasks here', issueTypes: ['Story', 'Bug'] });
    const project = page.getByLabel('Jira project', { exact: true });
    // Typed and left at once: the page's project search (it waits for a pause in typing) has not run yet.
    await project.fill('NOTASK');
    await project.press('Tab');
    await expect.poll(() => page.locator('#issueType').inputValue(), { timeout: 10_000 }).toBe('Story');
    expect(await page.locator('#issueType option').allTextContents()).toEqual(['Story', 'Bug']);
    expect(await textOf(page.locator('#projectKey-description'))).toContain('No tasks here (NOTASK)');
    // Back to FLAG for the next tests.
    await project.fill('FLAG');
    await project.press('Tab');
    await expect.poll(() => textOf(page.locator('#projectKey-description')), { timeout: 10_000 }).toContain('(FLAG)');
  }, 30_000);

  it('a list asked for one Region is dropped when the Region changed before it came', async () => {
    await page.getByLabel('AWS Region').selectOption(REGION);
    await page.getByLabel('Access key ID', { exact: true }).fill(KEYS.full.accessKeyId);
    await page.getByLabel('Secret access key', { exact: true }).fill(KEYS.full.secretAccessKey);
    h.aws.faults.add({ action: 'ListApplications', delayMs: 1_500 });
    await page.getByRole('button', { name: 'Load applications' }).click();
    await expect.poll(() => page.locator('#busy').isVisible()).toBe(true);
    await page.getByLabel('AWS Region').selectOption('us-west-2');
    await expect.poll(() => page.locator('#busy').isVisible(), { timeout: 10_000 }).toBe(false);
    expect(await page.locator('#applicationId-choices').isVisible()).toBe(false);
    expect(await page.locator('#applicationId-error').isVisible()).toBe(false);
    // Back as the next test expects it (switching the Region forgot the application picked from a list).
    await page.getByLabel('AWS Region').selectOption(REGION);
    await page.getByLabel('AppConfig application', { exact: true }).fill(h.app.id);
    await page.getByLabel('Configuration profile', { exact: true }).fill('release-flags');
  }, 30_000);

  it('shows a wrong secret next to the secret field, and keeps it there to be corrected', async () => {
    await page.getByLabel('Secret access key', { exact: true }).fill('this-is-not-the-right-secret-000000');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const error = page.locator('#secretAccessKey-error');
    await expect.poll(() => error.isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await textOf(error)).toMatch(/secret access key/i);
    expect(await page.getByLabel('Secret access key', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    // Focus goes to the field in error; no page-level success message remains.
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('secretAccessKey');
    expect(await page.locator('#form-message .aui-message-success').count()).toBe(0);
    expect(await page.locator('#accessKeyId-error').isVisible()).toBe(false);
    // A failed request keeps what was typed: the admin fixes the one field instead of pasting the secret again.
    expect(await page.getByLabel('Secret access key', { exact: true }).inputValue()).toBe('this-is-not-the-right-secret-000000');
    await page.screenshot({ path: path.join(RESULTS, 'configure-error.png'), fullPage: true });
  });

  it('removes the association after a confirmation', async () => {
    const rows = page.locator('#associations-body tr');
    await page.getByRole('button', { name: 'Remove shop / release-flags' }).click();
    // First click only asks; Cancel puts the button back, with the keyboard focus on it.
    expect(await rows.count()).toBe(1);
    // The focus is on Cancel, and a screen reader reads the question with it (its accessible description).
    const focused = () =>
      page.evaluate(`(() => {
        const button = document.activeElement;
        const described = document.getElementById(button.getAttribute('aria-describedby') || '');
        return { name: button.getAttribute('aria-label') || button.textContent, description: described ? described.textContent : '' };
      })()`);
    expect(await focused()).toEqual({ name: 'Cancel removing shop / release-flags', description: expect.stringMatching(/^Stop tracking it\? Its Jira issues stay/) });
    await page.getByRole('button', { name: 'Cancel removing shop / release-flags' }).click();
    expect(await page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')")).toBe('Remove shop / release-flags');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Confirm removing shop / release-flags' }).click();
    await expect.poll(() => page.locator('#associations-status').textContent()).toMatch(/No configuration profile is tracked yet/);
    expect(await rows.count()).toBe(0);
    expect(await page.locator('#associations-message').textContent()).toMatch(/Stopped tracking shop \/ release-flags/);
    expect(await h.service.models.Association.count()).toBe(0);
  });

  it('ran without script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
