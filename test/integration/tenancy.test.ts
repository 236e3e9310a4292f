/**
 * The tenancy module against the real app and database: what a recorded Connect site looks like, a Jira
 * client for it that signs as the app, enable/disable, and after a purge a typed TenantUnavailable (never
 * an HTTP error) for the worker and a 401 for the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantUnavailable } from '../../src/tenancy/index.js';
import { ApiError } from '../../src/http/errors.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

describe.each(databaseKinds)('Tenancy on %s', (kind) => {
  let h: Harness;
  let other: JiraDouble;

  beforeAll(async () => {
    h = await startHarness({ db: kind, worker: false });
    other = await startJiraDouble();
    expect((await other.install(h.service.config.baseUrl)).status).toBe(204);
  });
  afterAll(async () => {
    await other?.close();
    await h?.close();
  });

  it('looks up an installed site by its tenant key, and nothing for an unknown key', async () => {
    const record = await h.service.tenancy.lookup(h.jira.clientKey);
    expect(record).toMatchObject({ tenantKey: h.jira.clientKey, kind: 'connect', baseUrl: h.jira.url, enabled: true });
    expect(record?.installedAt).toBeInstanceOf(Date);
    expect(await h.service.tenancy.lookup('no-such-site')).toBeNull();
  });

  it('gives a Jira client that acts as the app on that site (the double checks its JWT)', async () => {
    const jira = await h.service.tenancy.jiraFor(h.jira.clientKey);
    expect(await jira.hasGlobalAdmin(h.jira.adminAccountId)).toBe(true);
    expect(await jira.hasGlobalAdmin(h.jira.memberAccountId)).toBe(false);
  });

  it('enables and disables a site; an unknown key changes nothing', async () => {
    await h.service.tenancy.setEnabled(h.jira.clientKey, false);
    expect(await h.service.tenancy.isEnabled(h.jira.clientKey)).toBe(false);
    expect((await h.service.tenancy.lookup(h.jira.clientKey))?.enabled).toBe(false);
    await h.service.tenancy.setEnabled(h.jira.clientKey, true);
    expect(await h.service.tenancy.isEnabled(h.jira.clientKey)).toBe(true);
    await h.service.tenancy.setEnabled('no-such-site', true);
    expect(await h.service.tenancy.isEnabled('no-such-site')).toBe(false);
    expect(await h.service.tenancy.lookup('no-such-site')).toBeNull();
  });

  it('jiraFor an unknown or purged tenant throws TenantUnavailable(not_installed), not an HTTP error', async () => {
    const refusal = await h.service.tenancy.jiraFor('no-such-site').catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(TenantUnavailable);
    expect(refusal).not.toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ tenantKey: 'no-such-site', reason: 'not_installed' });

    await h.associate();
    await h.service.tenancy.purge(h.jira.clientKey);
    expect(await h.service.tenancy.lookup(h.jira.clientKey)).toBeNull();
    expect(await h.service.models.Association.count({ where: { clientKey: h.jira.clientKey } })).toBe(0);
    await expect(h.service.tenancy.jiraFor(h.jira.clientKey)).rejects.toMatchObject({ name: 'TenantUnavailable', reason: 'not_installed' });
    // The other site is untouched.
    expect((await h.service.tenancy.lookup(other.clientKey))?.enabled).toBe(true);
    // The purged site's still-valid JWT is refused by the API.
    const res = await h.api('get', '/api/associations');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'unauthorized' } });
  });
});
