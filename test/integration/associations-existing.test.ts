/**
 * A profile that already has an AWS extension association of our extension: AppConfig allows one per
 * extension and resource, so the app reuses it and repoints its parameters here. Never a second one.
 * (One held by another Jira site is refused with 409: see associations-access.test.ts.)
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { deploymentEvent } from '../support/events.js';
import { KEYS, REGION, startHarness, type Harness } from '../support/harness.js';

describe.each(databaseKinds)('existing AWS extension associations on %s', (kind) => {
  let h: Harness;
  let seq = 0;

  const body = (overrides: Record<string, unknown> = {}) => ({
    projectKey: 'FLAG',
    region: REGION,
    applicationId: h.app.id,
    ...KEYS.full,
    ...overrides,
  });
  const inAws = (arn: string) => h.aws.extensionAssociations().filter((a) => a.resourceArn === arn);
  /** A profile that already carries an association of our extension with these parameters. */
  const profileWithAssociation = (parameters: Record<string, string>) => {
    const p = h.aws.addProfile(h.app.id, { name: `existing-${++seq}`, type: 'AWS.AppConfig.FeatureFlags' });
    const existing = h.aws.addExtensionAssociation({ extension: 'jira-flag-tracker', resourceArn: p.arn, parameters });
    return { p, existing };
  };

  beforeAll(async () => {
    h = await startHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reuses one pointing at a stale EventsUrl of this app (a removed association) and repoints it', async () => {
    const staleUrl = `${h.service.config.baseUrl}/api/associations/${crypto.randomUUID()}/events`;
    const { p, existing } = profileWithAssociation({ EventsUrl: staleUrl, SigningSecret: 'stale-secret-0000000000000000' });

    const dry = await h.api('post', '/api/associations?dryRun=true', body({ configurationProfileId: p.id }));
    expect(dry.status).toBe(200);
    expect(dry.body.existingExtensionAssociationId).toBe(existing.id);
    expect(inAws(p.arn)[0]!.parameters.EventsUrl).toBe(staleUrl); // a dry run changes nothing

    const res = await h.api('post', '/api/associations', body({ configurationProfileId: p.id }));
    expect(res.status).toBe(201);
    expect(res.body.extensionAssociationId).toBe(existing.id);
    const now = inAws(p.arn);
    expect(now).toHaveLength(1);
    expect(now[0]!.id).toBe(existing.id);
    expect(now[0]!.parameters.EventsUrl).toBe(res.body.eventsUrl);
    expect(now[0]!.parameters.SigningSecret).not.toBe('stale-secret-0000000000000000');
    expect(h.aws.calls.filter((c) => c.action === 'CreateExtensionAssociation')).toHaveLength(0);

    // Events signed with the new secret are accepted; the stale secret no longer works.
    const event = deploymentEvent({ app: h.app, profile: p }, 1, { invocationId: 'deploy-existing-1', parameters: now[0]!.parameters, deploymentNumber: 1 });
    expect((await h.sendEvent(res.body.id, event)).status).toBe(202);
    expect((await h.sendEvent(res.body.id, { ...event, InvocationId: 'x' }, { secret: 'stale-secret-0000000000000000' })).status).toBe(401);
  });

  it('reuses a foreign one (pointing elsewhere) and repoints it here', async () => {
    const { p, existing } = profileWithAssociation({ EventsUrl: 'https://hooks.example.net/appconfig', SigningSecret: 'foreign-secret-000000000000' });
    const res = await h.api('post', '/api/associations', body({ configurationProfileId: p.name }));
    expect(res.status).toBe(201);
    expect(res.body.extensionAssociationId).toBe(existing.id);
    const now = inAws(p.arn);
    expect(now).toHaveLength(1);
    expect(now[0]!.parameters.EventsUrl).toBe(res.body.eventsUrl);
    expect(now[0]!.parameters.SigningSecret).toBe(h.signingSecretOf(res.body.id));
    expect(now[0]!.parameters.SigningSecret).not.toBe('foreign-secret-000000000000');
  });

  it('keeps one that already points at this association as it is (no update call)', async () => {
    const p = h.aws.addProfile(h.app.id, { name: `existing-${++seq}`, type: 'AWS.AppConfig.FeatureFlags' });
    const first = await h.api('post', '/api/associations', body({ configurationProfileId: p.id }));
    expect(first.status).toBe(201);
    const updates = h.aws.calls.filter((c) => c.action === 'UpdateExtensionAssociation').length;
    const again = await h.api('post', '/api/associations', body({ configurationProfileId: p.id, ...KEYS.basic }));
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(h.aws.calls.filter((c) => c.action === 'UpdateExtensionAssociation')).toHaveLength(updates);
    expect(inAws(p.arn)).toHaveLength(1);
  });

  it('finds our association among other extensions\' associations on the same profile', async () => {
    h.aws.addExtension({ name: 'someone-elses-extension', parameters: { Target: { Required: true } } });
    const p = h.aws.addProfile(h.app.id, { name: `existing-${++seq}`, type: 'AWS.AppConfig.FeatureFlags' });
    const theirs = h.aws.addExtensionAssociation({ extension: 'someone-elses-extension', resourceArn: p.arn, parameters: { Target: 'x' } });
    const res = await h.api('post', '/api/associations', body({ configurationProfileId: p.id }));
    expect(res.status).toBe(201);
    expect(res.body.extensionAssociationId).not.toBe(theirs.id);
    const all = inAws(p.arn);
    expect(all).toHaveLength(2);
    expect(all.find((a) => a.id === theirs.id)!.parameters).toEqual({ Target: 'x' }); // untouched
  });

  it('two identical submissions at once (a double click) converge on ONE association, in AWS and here', async () => {
    for (let round = 0; round < 4; round++) {
      const p = h.aws.addProfile(h.app.id, { name: `existing-${++seq}`, type: 'AWS.AppConfig.FeatureFlags' });
      const [a, b] = await Promise.all([
        h.api('post', '/api/associations', body({ configurationProfileId: p.id })),
        h.api('post', '/api/associations', body({ configurationProfileId: p.id })),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses, `${JSON.stringify(a.body)} ${JSON.stringify(b.body)}`).toEqual([200, 201]);
      expect(a.body.id).toBe(b.body.id);
      const rows = await h.service.models.Association.findAll({ where: { configurationProfileId: p.id } });
      expect(rows.map((r) => r.id)).toEqual([a.body.id]);
      const now = inAws(p.arn);
      expect(now).toHaveLength(1);
      expect(now[0]!.parameters.EventsUrl).toBe(a.body.eventsUrl);
      expect(now[0]!.parameters.SigningSecret).toBe(h.signingSecretOf(a.body.id));
    }
  });

  it('an extension identifier that does not exist in the account → 404 on extensionIdentifier', async () => {
    const p = h.aws.addProfile(h.app.id, { name: `existing-${++seq}`, type: 'AWS.AppConfig.FeatureFlags' });
    const res = await h.api('post', '/api/associations', body({ configurationProfileId: p.id, extensionIdentifier: 'not-deployed' }));
    expect(res.status).toBe(404);
    expect(res.body.error.field).toBe('extensionIdentifier');
    expect(res.body.error.message).toMatch(/CloudFormation template/);
    expect(inAws(p.arn)).toHaveLength(0);
  });
});
