/**
 * POST / GET / DELETE /api/associations end to end: the real app on each database, the Jira double
 * (JWT-checked REST) and the AWS double (SigV4, IAM allow lists) reached by the real AWS SDK.
 * Creation, idempotent re-submission, names for IDs, dry runs, backfill done and skipped, removal,
 * and the health the Configure page shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { preCreateEvent } from '../support/events.js';
import { fixtureText } from '../support/fixtures.js';
import { ACCOUNT_ID, KEYS, REGION, associationForm, startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

const FLAGS_V1 = fixtureText('flags-v1.json');
const FLAGS_V2 = fixtureText('flags-v2.json');

/** The fields POST /api/associations answers with, no more, no fewer (the Configure page and other clients read them). */
const RESPONSE_FIELDS = [
  'id',
  'projectKey',
  'region',
  'accountId',
  'applicationId',
  'applicationName',
  'configurationProfileId',
  'configurationProfileName',
  'extensionAssociationId',
  'eventsUrl',
  'backfill',
].sort();

describe.each(databaseKinds)('associations API on %s', (kind) => {
  let h: Harness;
  let profileSeq = 0;

  const body = (overrides: Record<string, unknown> = {}) => associationForm(h, overrides);
  /** A fresh feature-flag profile of the seeded application, so tests do not share AWS state. */
  const newProfile = (opts: { hostedVersion?: string } = {}) => {
    const p = h.aws.addProfile(h.app.id, { name: `flags-${++profileSeq}`, type: 'AWS.AppConfig.FeatureFlags' });
    if (opts.hostedVersion) h.aws.addHostedVersion(h.app.id, p.id, opts.hostedVersion, { description: 'first flags' });
    return p;
  };
  const awsAssociationsOn = (arn: string) => h.aws.extensionAssociations().filter((a) => a.resourceArn === arn);
  const issuesOf = (profileId: string) =>
    h.jira.issues().filter((i) => (i.properties.appconfigFlag as { configurationProfileId?: string } | undefined)?.configurationProfileId === profileId);
  const listed = async () => {
    const res = await h.api('get', '/api/associations');
    expect(res.status).toBe(200);
    return res.body.associations as Array<Record<string, unknown> & { id: string; health: Record<string, unknown> }>;
  };
  /** A saved-version event exactly as the forwarder posts it (AppConfig passes the association's parameters along). */
  const documentEvent = (associationId: string, profile: { id: string; name: string }, content: string, version: string) => {
    const aws = h.aws.extensionAssociations().find((a) => a.parameters.EventsUrl?.endsWith(`/${associationId}/events`))!;
    return preCreateEvent({ app: h.app, profile }, content, version, { invocationId: `inv-${associationId.slice(0, 8)}-${version}`, parameters: aws.parameters });
  };

  beforeAll(async () => {
    h = await startHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates the association (201) with exactly the documented fields and ONE AWS extension association', async () => {
    const res = await h.api('post', '/api/associations', body());
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(RESPONSE_FIELDS);
    expect(res.body).toMatchObject({
      projectKey: 'FLAG',
      region: REGION,
      accountId: ACCOUNT_ID,
      applicationId: h.app.id,
      applicationName: 'shop',
      configurationProfileId: h.profile.id,
      configurationProfileName: 'release-flags',
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.eventsUrl).toBe(`${h.service.config.baseUrl}/api/associations/${res.body.id}/events`);
    // The seeded profile has no saved version yet: nothing to backfill, and the answer says why.
    expect(res.body.backfill).toMatch(/^skipped: .*no saved version/);

    const inAws = awsAssociationsOn(h.profile.arn);
    expect(inAws).toHaveLength(1);
    expect(inAws[0]!.id).toBe(res.body.extensionAssociationId);
    expect(inAws[0]!.parameters.EventsUrl).toBe(res.body.eventsUrl);
    expect(inAws[0]!.parameters.SigningSecret).toEqual(expect.any(String));
    expect(inAws[0]!.parameters.SigningSecret!.length).toBeGreaterThanOrEqual(32);
    expect(Object.keys(inAws[0]!.parameters).sort()).toEqual(['EventsUrl', 'SigningSecret']);

    const rows = await listed();
    expect(rows.map((r) => r.id)).toEqual([res.body.id]);
  });

  it('answers 200 with the same id on re-submission and still holds ONE AWS association', async () => {
    const first = await h.api('post', '/api/associations', body());
    const again = await h.api('post', '/api/associations', body());
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.extensionAssociationId).toBe(first.body.extensionAssociationId);
    expect(Object.keys(again.body).sort()).toEqual(RESPONSE_FIELDS);
    expect(awsAssociationsOn(h.profile.arn)).toHaveLength(1);
    expect(awsAssociationsOn(h.profile.arn)[0]!.parameters.EventsUrl).toBe(first.body.eventsUrl);
    expect(h.aws.calls.filter((c) => c.action === 'CreateExtensionAssociation' && c.status === 201)).toHaveLength(1);
    expect(await listed()).toHaveLength(1);
  });

  it('takes the application and profile by NAME exactly as by ID', async () => {
    const p = newProfile();
    const byName = await h.api('post', '/api/associations', body({ applicationId: 'shop', configurationProfileId: p.name }));
    expect(byName.status).toBe(201);
    expect(byName.body).toMatchObject({ applicationId: h.app.id, applicationName: 'shop', configurationProfileId: p.id, configurationProfileName: p.name });
    expect(awsAssociationsOn(p.arn)).toHaveLength(1);
    expect(awsAssociationsOn(p.arn)[0]!.parameters.EventsUrl).toBe(byName.body.eventsUrl);

    const byId = await h.api('post', '/api/associations', body({ applicationId: h.app.id, configurationProfileId: p.id }));
    expect(byId.status).toBe(200);
    expect(byId.body.id).toBe(byName.body.id);
    expect(awsAssociationsOn(p.arn)).toHaveLength(1);
  });

  it('dryRun=true checks everything and creates nothing', async () => {
    const p = newProfile({ hostedVersion: FLAGS_V1 });
    const before = await listed();
    const creates = h.aws.calls.filter((c) => c.action === 'CreateExtensionAssociation').length;
    const res = await h.api('post', '/api/associations?dryRun=true', body({ configurationProfileId: p.name }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      dryRun: true,
      accountId: ACCOUNT_ID,
      applicationId: h.app.id,
      configurationProfileId: p.id,
      configurationProfileName: p.name,
      existingExtensionAssociationId: null,
    });
    expect(res.body.id).toBeUndefined();
    expect(awsAssociationsOn(p.arn)).toHaveLength(0);
    expect(h.aws.calls.filter((c) => c.action === 'CreateExtensionAssociation')).toHaveLength(creates);
    expect(await listed()).toEqual(before);
    expect(await h.service.models.Association.count({ where: { configurationProfileId: p.id } })).toBe(0);
    expect(issuesOf(p.id)).toHaveLength(0);

    // A dry run also finds checks that fail: a wrong profile is reported, not created.
    const bad = await h.api('post', '/api/associations?dryRun=true', body({ configurationProfileId: 'no-such-profile' }));
    expect(bad.status).toBe(404);
    expect(bad.body.error.field).toBe('configurationProfileId');
  });

  it('backfills at once when the keys may read the latest hosted version: one issue per flag', async () => {
    const p = newProfile({ hostedVersion: FLAGS_V1 });
    const res = await h.api('post', '/api/associations', body({ configurationProfileId: p.id }));
    expect(res.status).toBe(201);
    expect(res.body.backfill).toBe('done');
    const issues = issuesOf(p.id);
    expect(issues.map((i) => (i.properties.appconfigFlag as { flagKey: string }).flagKey).sort()).toEqual(['beta_banner', 'checkout_v2']);
    const byKey = new Map(issues.map((i) => [(i.properties.appconfigFlag as { flagKey: string }).flagKey, i]));
    expect(byKey.get('checkout_v2')!.summary).toBe('Checkout v2');
    expect(byKey.get('checkout_v2')!.projectKey).toBe('FLAG');
    expect(byKey.get('checkout_v2')!.issueType).toBe('Task');
    expect(byKey.get('checkout_v2')!.properties.appconfigFlag).toMatchObject({
      accountId: ACCOUNT_ID,
      region: REGION,
      applicationId: h.app.id,
      configurationProfileId: p.id,
      flagKey: 'checkout_v2',
    });

    // Re-submitting does not backfill a second set of issues.
    const again = await h.api('post', '/api/associations', body({ configurationProfileId: p.id }));
    expect(again.status).toBe(200);
    expect(issuesOf(p.id)).toHaveLength(2);
  });

  it('skips the backfill, saying why, when the keys may not list hosted versions', async () => {
    const p = newProfile({ hostedVersion: FLAGS_V1 });
    const res = await h.api('post', '/api/associations', body({ configurationProfileId: p.id, ...KEYS.basic }));
    expect(res.status).toBe(201);
    expect(res.body.backfill).toMatch(/^skipped: /);
    expect(res.body.backfill).toContain('appconfig:ListHostedConfigurationVersions');
    expect(res.body.backfill).not.toContain(KEYS.basic.secretAccessKey);
    expect(awsAssociationsOn(p.arn)).toHaveLength(1);
    expect(issuesOf(p.id)).toHaveLength(0);
  });

  it('skips the backfill when the profile has no saved version yet', async () => {
    const p = newProfile();
    const res = await h.api('post', '/api/associations', body({ configurationProfileId: p.id }));
    expect(res.status).toBe(201);
    expect(res.body.backfill).toMatch(/^skipped: the profile has no saved version/);
    expect(issuesOf(p.id)).toHaveLength(0);
  });

  it('lists each association with its health; a permanent Jira refusal shows as lastError', async () => {
    h.jira.addProject({ key: 'HLTH', name: 'Health check' });
    const p = newProfile({ hostedVersion: FLAGS_V1 });
    const created = await h.api('post', '/api/associations', body({ projectKey: 'HLTH', configurationProfileId: p.id }));
    expect(created.status).toBe(201);
    expect(created.body.backfill).toBe('done');
    const id = created.body.id as string;

    const healthy = (await listed()).find((a) => a.id === id)!;
    expect(healthy).toMatchObject({ projectKey: 'HLTH', configurationProfileId: p.id, configurationProfileName: p.name });
    expect(healthy.health).toMatchObject({ status: 'ok', backlog: 0, failedEvents: 0, lastError: null });
    expect(Date.parse(healthy.health.lastEventAt as string)).not.toBeNaN();

    // The app loses the right to write in the project; the next saved version is refused for good.
    h.jira.setProjectAccess('HLTH', { write: false });
    const sent = await h.sendEvent(id, documentEvent(id, p, FLAGS_V2, '2'));
    expect(sent.status).toBe(202);
    // The reason shows on the health first; the event is marked failed a moment later, with the round's other marks.
    const failing = await waitFor('the failure on the association health', async () => {
      const row = (await listed()).find((a) => a.id === id)!;
      return row.health.lastError && row.health.failedEvents === 1 ? row : undefined;
    });
    expect(failing.health).toMatchObject({ status: 'failing', backlog: 0, failedEvents: 1 });
    const lastError = failing.health.lastError as { code: string; message: string; at: string };
    expect(lastError.code).toBe('jira_refused');
    expect(lastError.message).toMatch(/Jira refused .*permission/);
    expect(Date.parse(lastError.at)).not.toBeNaN();
    expect(Date.parse(failing.health.lastEventAt as string)).toBeGreaterThanOrEqual(Date.parse(healthy.health.lastEventAt as string));
  });

  it('a project deleted in Jira shows on the health as a permanent failure, not retried in silence', async () => {
    h.jira.addProject({ key: 'GONE', name: 'Deleted later' });
    const p = newProfile({ hostedVersion: FLAGS_V1 });
    const created = await h.api('post', '/api/associations', body({ projectKey: 'GONE', configurationProfileId: p.id }));
    expect(created.status).toBe(201);
    expect(created.body.backfill).toBe('done');
    const id = created.body.id as string;

    h.jira.removeProject('GONE');
    expect((await h.sendEvent(id, documentEvent(id, p, FLAGS_V2, '2'))).status).toBe(202);
    const failing = await waitFor('the failure on the association health', async () => {
      const row = (await listed()).find((a) => a.id === id)!;
      return row.health.lastError && row.health.failedEvents === 1 ? row : undefined;
    });
    expect(failing.health).toMatchObject({ status: 'failing', backlog: 0, failedEvents: 1 });
    const lastError = failing.health.lastError as { code: string; message: string };
    expect(lastError.code).toBe('jira_refused');
    expect(lastError.message).toMatch(/Jira refused .*project/); // Jira's own reason, for the admin
  });

  it('DELETE removes the association and its rows; GET lists it no more; its later events get 410', async () => {
    const p = newProfile({ hostedVersion: FLAGS_V1 });
    const created = await h.api('post', '/api/associations', body({ configurationProfileId: p.id }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const { models } = h.service;
    expect(await models.StoredEvent.count({ where: { associationId: id } })).toBeGreaterThan(0);
    expect(await models.FlagState.count({ where: { associationId: id } })).toBe(2);
    const event = documentEvent(id, p, FLAGS_V2, '2');
    const removedSecret = h.signingSecretOf(id);

    const del = await h.api('delete', `/api/associations/${id}`);
    expect(del.status).toBe(204);
    expect((await listed()).map((a) => a.id)).not.toContain(id);
    expect(await models.Association.count({ where: { id } })).toBe(0);
    expect(await models.StoredEvent.count({ where: { associationId: id } })).toBe(0);
    expect(await models.FlagState.count({ where: { associationId: id } })).toBe(0);
    expect(await models.ConfigVersion.count({ where: { associationId: id } })).toBe(0);

    const late = await h.sendEvent(id, event);
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('association_removed');

    const twice = await h.api('delete', `/api/associations/${id}`);
    expect(twice.status).toBe(404);
    expect(twice.body.error.code).toBe('association_not_found');

    // Tracking the profile again reuses AWS's association (now stale) and repoints it: never a second one.
    const again = await h.api('post', '/api/associations', body({ configurationProfileId: p.id, ...KEYS.basic }));
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
    expect(again.body.extensionAssociationId).toBe(created.body.extensionAssociationId);
    const inAws = awsAssociationsOn(p.arn);
    expect(inAws).toHaveLength(1);
    expect(inAws[0]!.parameters.EventsUrl).toBe(again.body.eventsUrl);
    expect(inAws[0]!.parameters.SigningSecret).not.toBe(removedSecret);
  });
});
