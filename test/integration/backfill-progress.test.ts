/**
 * What a Save says about the existing flags' issues: the backfill's event done, failed (and why), or still
 * on its way when the wait ends; and a backfill whose read of the latest version fails does not fail the
 * Save or the Test connection (it is skipped, with the reason). Real app, Jira double, AWS double.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { fixtureText } from '../support/fixtures.js';
import { associationForm, startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

const FLAGS_V1 = fixtureText('flags-v1.json');
const WAIT_MS = 1500;

describe.each(databaseKinds)('the backfill as a Save reports it, on %s', (kind) => {
  let h: Harness;
  let seq = 0;
  const newProfile = () => {
    const p = h.aws.addProfile(h.app.id, { name: `backfill-${++seq}`, type: 'AWS.AppConfig.FeatureFlags' });
    h.aws.addHostedVersion(h.app.id, p.id, FLAGS_V1, { description: 'first flags' });
    return p;
  };
  const issuesOf = (profileId: string) =>
    h.jira.issues().filter((i) => (i.properties.appconfigFlag as { configurationProfileId?: string } | undefined)?.configurationProfileId === profileId);
  const save = (profileId: string, query = '') => h.api('post', `/api/associations${query}`, associationForm(h, { configurationProfileId: profileId }));
  const bulkCreates = { method: 'POST', path: '/rest/api/3/issue/bulk' };

  beforeAll(async () => {
    h = await startHarness({ db: kind, backfillWaitMs: WAIT_MS });
  });
  afterEach(() => {
    h.jira.faults.clear();
    h.aws.faults.clear();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('says the issues exist only once they do', async () => {
    const p = newProfile();
    const res = await save(p.id);
    expect(res.status).toBe(201);
    expect(res.body.backfill).toBe('done');
    expect(res.body.backfillEvent).toEqual({ status: 'done' });
    expect(issuesOf(p.id)).toHaveLength(2);
  });

  it('says why the issues could not be written when Jira refuses them', async () => {
    h.jira.faults.add({ match: bulkCreates, status: 400, body: { errorMessages: ['Field "summary" cannot be set.'], errors: {} }, times: 1 });
    const p = newProfile();
    const res = await save(p.id);
    expect(res.status).toBe(201);
    expect(res.body.backfill).toBe('done');
    expect(res.body.backfillEvent.status).toBe('failed');
    expect(res.body.backfillEvent.reason).toMatch(/Jira refused.*400.*summary/);
    expect(issuesOf(p.id)).toHaveLength(0);
  });

  it('says the issues are on their way when Jira is slower than the wait, and they come', async () => {
    // Two overloaded answers, each asking for 2 s: longer than the Save waits.
    h.jira.faults.add({ match: bulkCreates, status: 503, retryAfter: 2, times: 2 });
    const p = newProfile();
    const started = Date.now();
    const res = await save(p.id);
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(WAIT_MS + 3000);
    expect(res.body.backfill).toBe('done');
    expect(res.body.backfillEvent.status).toBe('pending');
    expect(issuesOf(p.id)).toHaveLength(0);
    await waitFor('the backfilled issues', () => issuesOf(p.id).length === 2, 20_000);
  });

  it('says when a Save moves the profile to another project, and where its issues stay', async () => {
    const p = newProfile();
    expect((await save(p.id)).status).toBe(201);
    expect(issuesOf(p.id).map((i) => i.projectKey)).toEqual(['FLAG', 'FLAG']);
    h.jira.addProject({ key: 'OPS', name: 'Operations' });
    const ops = (query = '') => h.api('post', `/api/associations${query}`, associationForm(h, { configurationProfileId: p.id, projectKey: 'OPS' }));

    const dry = await ops('?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body.movedFromProject).toBe('FLAG');
    const moved = await ops();
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ projectKey: 'OPS', movedFromProject: 'FLAG' });
    // Saved again in the same project: nothing moves.
    const again = await ops();
    expect(again.body.movedFromProject).toBeUndefined();
    // The flags' issues stayed in FLAG (and no second set was made in OPS).
    expect(issuesOf(p.id).map((i) => i.projectKey)).toEqual(['FLAG', 'FLAG']);
  });

  it('skips the backfill, saying why, when the latest version cannot be read; the Save itself succeeds', async () => {
    const p = newProfile();
    h.aws.faults.add({ service: 'appconfig', action: 'ListHostedConfigurationVersions', status: 500, times: 20 });
    const dry = await save(p.id, '?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body.backfill).toMatch(/^skipped: the latest saved version could not be read \(.+\); issues appear with the next saved flag change$/);

    const res = await save(p.id);
    expect(res.status).toBe(201);
    expect(res.body.backfill).toMatch(/^skipped: the latest saved version could not be read/);
    expect(res.body.backfillEvent).toBeUndefined();
    expect(h.aws.extensionAssociations().filter((a) => a.resourceArn === p.arn)).toHaveLength(1);
    const listed = await h.api('get', '/api/associations');
    expect(listed.body.associations.map((a: { configurationProfileId: string }) => a.configurationProfileId)).toContain(p.id);
  });
});
