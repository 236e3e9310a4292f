/**
 * Each way AWS (or Jira) can turn the Configure form down becomes a specific answer for the admin:
 * the status, a stable code, the form field it concerns and a message that says what to do. Nothing is
 * half-created by a refused request: no association row, no AWS extension association.
 */
import type request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { ACCOUNT_ID, KEYS, REGION, associationForm, startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

/** What the full keys may do, minus one action per test key. */
const FLOW_ACTIONS = [
  'ListApplications',
  'ListConfigurationProfiles',
  'ListExtensionAssociations',
  'GetExtensionAssociation',
  'CreateExtensionAssociation',
  'UpdateExtensionAssociation',
];
const ALL_ACTIONS = [
  ...FLOW_ACTIONS,
  'GetApplication',
  'GetConfigurationProfile',
  'GetExtension',
  'ListHostedConfigurationVersions',
  'GetHostedConfigurationVersion',
].map((a) => `appconfig:${a}`);

/** A key whose IAM policy lacks exactly `action`. */
const keyWithout = (action: string) => ({
  accessKeyId: `AKIANO${action.toUpperCase().replace(/[^A-Z]/g, '').slice(0, 14).padEnd(14, 'X')}`,
  secretAccessKey: `secret-without-${action}-0123456789`,
});
const EXPIRED = {
  accessKeyId: 'ASIAEXPIREDSESSION01',
  secretAccessKey: 'expired-session-secret-dddddddddddddddddd',
  sessionToken: 'FwoGZXIvYXdzEXPIREDSESSIONTOKEN0123456789abcdefghijklmnopqrstuvwxyz',
};

describe.each(databaseKinds)('associations API, AWS and Jira refusals on %s', (kind) => {
  let h: Harness;
  let defaultCallTimeoutMs: number;

  const body = (overrides: Record<string, unknown> = {}) => associationForm(h, overrides);
  const post = (overrides: Record<string, unknown> = {}, path = '/api/associations') => h.api('post', path, body(overrides));
  const expectError = (res: request.Response, status: number, code: string, field: string | undefined) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(res.body.error.message).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
    return res.body.error.message as string;
  };
  /** A refused request leaves nothing behind, in the app or in AWS. */
  const expectNothingCreated = async (profileArn: string, profileId: string) => {
    expect(h.aws.extensionAssociations().filter((a) => a.resourceArn === profileArn)).toHaveLength(0);
    expect(await h.service.models.Association.count({ where: { configurationProfileId: profileId } })).toBe(0);
  };

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    defaultCallTimeoutMs = h.service.config.awsCallTimeoutMs;
    const user = (name: string) => ({ accountId: ACCOUNT_ID, userArn: `arn:aws:iam::${ACCOUNT_ID}:user/${name}` });
    for (const action of FLOW_ACTIONS) {
      h.aws.addKey({ ...keyWithout(action), ...user(`no-${action}`), allow: ALL_ACTIONS.filter((a) => a !== `appconfig:${action}`) });
    }
    h.aws.addKey({ ...EXPIRED, ...user('expired'), allow: '*', expired: true });
  });
  afterEach(() => {
    h.aws.faults.clear();
    h.service.config.awsCallTimeoutMs = defaultCallTimeoutMs;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an unknown access key ID → 400 on accessKeyId, the key shown masked', async () => {
    const message = expectError(await post({ accessKeyId: 'AKIAUNKNOWNKEY000099' }), 400, 'aws_invalid_access_key', 'accessKeyId');
    expect(message).toMatch(/does not recognise access key ID AKIA…0099/);
    expect(message).not.toContain('AKIAUNKNOWNKEY000099');
    await expectNothingCreated(h.profile.arn, h.profile.id);
  });

  it('a wrong secret access key → 400 on secretAccessKey', async () => {
    const message = expectError(await post({ secretAccessKey: 'not-the-right-secret-0000000000000' }), 400, 'aws_invalid_secret_key', 'secretAccessKey');
    expect(message).toMatch(/secret access key/);
    expect(message).toContain(`${KEYS.full.accessKeyId.slice(0, 4)}…${KEYS.full.accessKeyId.slice(-4)}`);
    await expectNothingCreated(h.profile.arn, h.profile.id);
  });

  it('an expired session token → 400 on sessionToken, asking for new temporary credentials', async () => {
    const message = expectError(await post(EXPIRED), 400, 'aws_expired_token', 'sessionToken');
    expect(message).toMatch(/session token .*expired.*new temporary credentials/);
    expect(message).not.toContain(EXPIRED.sessionToken);
  });

  it.each(['ListApplications', 'ListConfigurationProfiles', 'ListExtensionAssociations', 'CreateExtensionAssociation'])(
    'keys without appconfig:%s → 403 naming the action',
    async (action) => {
      const p = h.aws.addProfile(h.app.id, { name: `denied-${action}`, type: 'AWS.AppConfig.FeatureFlags' });
      const message = expectError(await post({ configurationProfileId: p.id, ...keyWithout(action) }), 403, 'aws_access_denied', undefined);
      expect(message).toContain(`"appconfig:${action}"`);
      expect(message).toMatch(/IAM policy/);
      await expectNothingCreated(p.arn, p.id);
    },
  );

  it('the read-only keys (no extension association permissions) → 403 naming ListExtensionAssociations', async () => {
    const message = expectError(await post(KEYS.readOnly), 403, 'aws_access_denied', undefined);
    expect(message).toContain('appconfig:ListExtensionAssociations');
  });

  it.each(['GetExtensionAssociation', 'UpdateExtensionAssociation'])(
    'keys without appconfig:%s, with an existing AWS association to reuse → 403 naming the action',
    async (action) => {
      const p = h.aws.addProfile(h.app.id, { name: `existing-${action}`, type: 'AWS.AppConfig.FeatureFlags' });
      const stale = h.aws.addExtensionAssociation({
        extension: 'jira-flag-tracker',
        resourceArn: p.arn,
        parameters: { EventsUrl: 'https://old-host.example.com/api/associations/x/events', SigningSecret: 'stale-secret' },
      });
      const message = expectError(await post({ configurationProfileId: p.id, ...keyWithout(action) }), 403, 'aws_access_denied', undefined);
      expect(message).toContain(`"appconfig:${action}"`);
      // The existing association is untouched and no second one appeared.
      const inAws = h.aws.extensionAssociations().filter((a) => a.resourceArn === p.arn);
      expect(inAws.map((a) => a.id)).toEqual([stale.id]);
      expect(inAws[0]!.parameters.SigningSecret).toBe('stale-secret');
      expect(await h.service.models.Association.count({ where: { configurationProfileId: p.id } })).toBe(0);
    },
  );

  it('an application that does not exist → 404 on applicationId', async () => {
    const message = expectError(await post({ applicationId: 'no-such-app' }), 404, 'aws_not_found', 'applicationId');
    expect(message).toContain('"no-such-app"');
    expect(message).toContain(REGION);
  });

  it('a profile that does not exist → 404 on configurationProfileId', async () => {
    const message = expectError(await post({ configurationProfileId: 'no-such-profile' }), 404, 'aws_not_found', 'configurationProfileId');
    expect(message).toContain('"no-such-profile"');
  });

  it('a profile that is not a feature-flag profile → 400 on configurationProfileId', async () => {
    const freeform = h.aws.addProfile(h.app.id, { name: 'plain-config', type: 'AWS.Freeform' });
    for (const ref of [freeform.id, freeform.name]) {
      const message = expectError(await post({ configurationProfileId: ref }), 400, 'aws_wrong_profile_type', 'configurationProfileId');
      expect(message).toContain('AWS.Freeform');
      expect(message).toContain('AWS.AppConfig.FeatureFlags');
    }
    await expectNothingCreated(freeform.arn, freeform.id);
  });

  it('an unknown Jira project → 404 on projectKey; an unknown issue type → 400 on issueType', async () => {
    const project = expectError(await post({ projectKey: 'NOPE' }), 404, 'project_not_found', 'projectKey');
    expect(project).toContain('NOPE');
    const type = expectError(await post({ issueType: 'Epic' }), 400, 'issue_type_not_found', 'issueType');
    expect(type).toContain('"Epic"');
    expect(type).toMatch(/Task/); // lists the types the project has
    // Subtasks cannot be flag issues.
    expectError(await post({ issueType: 'Subtask' }), 400, 'issue_type_not_found', 'issueType');
  });

  it('a Region code AWS does not know → 400 on region', async () => {
    expectError(await post({ region: 'xx-nowhere-9' }), 400, 'aws_invalid_region', 'region');
  });

  it('STS too slow → 504 after AWS_CALL_TIMEOUT_MS, saying what did not answer', async () => {
    h.service.config.awsCallTimeoutMs = 400; // as AWS_CALL_TIMEOUT_MS=400 would configure it
    h.aws.faults.add({ service: 'sts', action: 'GetCallerIdentity', delayMs: 3_000, times: 3 });
    const started = Date.now();
    const message = expectError(await post(), 504, 'aws_timeout', undefined);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(message).toMatch(/did not answer GetCallerIdentity within 400 ms/);
  });

  it('CreateExtensionAssociation too slow → 504; saving again reuses what AWS created late (still ONE)', async () => {
    const p = h.aws.addProfile(h.app.id, { name: 'slow-create', type: 'AWS.AppConfig.FeatureFlags' });
    h.service.config.awsCallTimeoutMs = 400;
    h.aws.faults.add({ service: 'appconfig', action: 'CreateExtensionAssociation', delayMs: 800, times: 3 });
    const message = expectError(await post({ configurationProfileId: p.id }), 504, 'aws_timeout', undefined);
    expect(message).toContain('CreateExtensionAssociation');
    expect(await h.service.models.Association.count({ where: { configurationProfileId: p.id } })).toBe(0);
    h.service.config.awsCallTimeoutMs = defaultCallTimeoutMs;

    // AWS finished the create after our deadline; the admin saves again.
    await waitFor('AWS to finish the late create', () => h.aws.extensionAssociations().some((a) => a.resourceArn === p.arn), 5_000);
    const again = await post({ configurationProfileId: p.id });
    expect(again.status).toBe(201);
    const inAws = h.aws.extensionAssociations().filter((a) => a.resourceArn === p.arn);
    expect(inAws).toHaveLength(1);
    expect(inAws[0]!.id).toBe(again.body.extensionAssociationId);
    expect(inAws[0]!.parameters.EventsUrl).toBe(again.body.eventsUrl);
  });

  it('AWS failing (5xx) or throttling → 502 / 503 that say to try again', async () => {
    h.aws.faults.add({ service: 'appconfig', action: 'ListApplications', status: 500, times: 5 });
    expect(expectError(await post(), 502, 'aws_unavailable', undefined)).toMatch(/try again/);
    h.aws.faults.clear();
    h.aws.faults.add({ service: 'sts', action: 'GetCallerIdentity', status: 429, times: 5 });
    expect(expectError(await post(), 503, 'aws_throttled', undefined)).toMatch(/try again/);
  });

  it('Jira unreachable while checking the project → 502 that says to try again', async () => {
    h.jira.faults.add({ match: { method: 'GET', path: /^\/rest\/api\/3\/project\/FLAG/ }, status: 500 });
    try {
      const message = expectError(await post(), 502, 'jira_unavailable', undefined);
      expect(message).toMatch(/try again/);
    } finally {
      h.jira.faults.clear();
    }
  });
});
