/**
 * When the app answers 410 for an event (the association was removed in Jira, or the site uninstalled
 * the app), the real forwarder code deletes its own extension association in AWS, with exactly the
 * permissions the CloudFormation template gives its role, and logs that it did. AppConfig (the AWS
 * double) raises the events as an engineer saves flags through the real SDK.
 */
import { AppConfigClient, CreateHostedConfigurationVersionCommand } from '@aws-sdk/client-appconfig';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, type ForwarderLogLine, type RemovalLogLine } from '../../src/forwarder/handler.js';
import { renderTemplate } from '../../src/forwarder/template.js';
import { databaseKinds } from '../support/databases.js';
import { ACCOUNT_ID, REGION, startHarness, type Harness } from '../support/harness.js';
import { parseCloudFormation } from '../unit/forwarder/cfn-yaml.js';

type Statement = { Action: string | string[] };

/** The AppConfig actions the template's forwarder execution role may call. */
function forwarderRoleActions(): string[] {
  const template = parseCloudFormation(renderTemplate('exports.handler = async () => ({});\n')) as {
    Resources: { ForwarderExecutionRole: { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } } };
  };
  return template.Resources.ForwarderExecutionRole.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement)
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((a) => a.startsWith('appconfig:'));
}

const ENGINEER = { accessKeyId: 'AKIAENGINEERSAVES001', secretAccessKey: 'engineer-secret-ffffffffffffffffffffffffffff' };
/** The forwarder's execution role session, as Lambda hands it to the function. */
const FORWARDER_ROLE = {
  accessKeyId: 'ASIAFORWARDERROLE001',
  secretAccessKey: 'forwarder-role-secret-gggggggggggggggggggggg',
  sessionToken: 'IQoJb3JpZ2luX2VjEForwarderRoleSessionToken000000000000',
};
const LIMITED_ROLE = { ...FORWARDER_ROLE, accessKeyId: 'ASIAFORWARDERNODEL01' };
const DOCUMENT = JSON.stringify({ version: '1', flags: { checkout_v2: { name: 'Checkout v2' } }, values: { checkout_v2: { enabled: true } } });

describe.each(databaseKinds)('forwarder: a 410 deletes its own extension association on %s', (kind) => {
  let h: Harness;
  let engineer: AppConfigClient;
  let lines: string[] = [];
  let role = FORWARDER_ROLE;

  const logged = () => lines.map((l) => JSON.parse(l) as ForwarderLogLine | RemovalLogLine);
  const save = (profileId = h.profile.id) =>
    engineer.send(
      new CreateHostedConfigurationVersionCommand({
        ApplicationId: h.app.id,
        ConfigurationProfileId: profileId,
        Content: new TextEncoder().encode(DOCUMENT),
        ContentType: 'application/json',
      }),
    );
  const inAws = (profileArn = h.profile.arn) => h.aws.extensionAssociations().filter((a) => a.resourceArn === profileArn);

  beforeAll(async () => {
    h = await startHarness({ db: kind, worker: false });
    const user = (name: string) => ({ accountId: ACCOUNT_ID, userArn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${name}/session` });
    h.aws.addKey({ ...ENGINEER, ...user('engineer'), allow: ['appconfig:CreateHostedConfigurationVersion'] });
    const actions = forwarderRoleActions();
    expect(actions.sort()).toEqual(['appconfig:DeleteExtensionAssociation', 'appconfig:GetExtensionAssociation', 'appconfig:ListExtensionAssociations']);
    h.aws.addKey({ ...FORWARDER_ROLE, ...user('forwarder'), allow: actions });
    h.aws.addKey({ ...LIMITED_ROLE, ...user('forwarder-limited'), allow: actions.filter((a) => a !== 'appconfig:DeleteExtensionAssociation') });
    engineer = new AppConfigClient({ region: REGION, endpoint: h.aws.url, credentials: ENGINEER, maxAttempts: 1 });
    // AppConfig invokes the forwarder Lambda, whose context names the function (and so its account and Region).
    h.aws.onExtensionEvent(async (event, meta) => {
      const forward = createHandler({ log: (line) => lines.push(line), awsCredentials: role, budgetMs: 2_000 });
      await forward(event, { invokedFunctionArn: `arn:aws:lambda:${meta.region}:${meta.accountId}:function:jira-flag-tracker-forwarder` });
    });
  });
  afterEach(() => {
    lines = [];
    role = FORWARDER_ROLE;
  });
  afterAll(async () => {
    engineer?.destroy();
    await h?.close();
  });

  it('while the association exists, events are delivered and AWS keeps it', async () => {
    const assoc = await h.associate();
    await save();
    expect(logged()).toEqual([expect.objectContaining({ outcome: 'delivered', status: 202 })]);
    expect(inAws().map((a) => a.id)).toEqual([assoc.extensionAssociationId]);
  });

  it('removed in Jira: the next event gets 410, the forwarder deletes exactly its association and logs it', async () => {
    const [assoc] = inAws();
    // Another extension on the same profile, posting elsewhere: not the forwarder's to delete.
    h.aws.addExtension({ name: 'someone-elses-extension', parameters: { EventsUrl: { Required: true }, SigningSecret: { Required: true } } });
    const foreign = h.aws.addExtensionAssociation({
      extension: 'someone-elses-extension',
      resourceArn: h.profile.arn,
      parameters: { EventsUrl: `${h.service.url}/api/associations/00000000-0000-4000-8000-000000000000/events`, SigningSecret: 'not-ours' },
    });
    const id = String(assoc!.parameters.EventsUrl).split('/').at(-2)!;
    expect((await h.api('delete', `/api/associations/${id}`)).status).toBe(204);

    const before = h.aws.calls.length;
    await save(); // the engineer's save still succeeds
    const removal = logged().find((l): l is RemovalLogLine => l.msg.startsWith('extension association'));
    expect(removal).toMatchObject({
      level: 'warn',
      msg: 'extension association deleted',
      outcome: 'deleted',
      associationId: assoc!.id,
      resourceArn: h.profile.arn,
      reason: expect.stringMatching(/410/),
    });
    expect(logged()).toContainEqual(expect.objectContaining({ outcome: 'rejected', status: 410 }));
    // The foreign association got a 404 from the app (unknown id): nothing is deleted for that.
    expect(logged()).toContainEqual(expect.objectContaining({ outcome: 'rejected', status: 404 }));
    expect(inAws().map((a) => a.id)).toEqual([foreign.id]);
    // Done with the role's own keys, through the three calls its policy allows.
    const byForwarder = h.aws.calls.slice(before).filter((c) => c.accessKeyId === FORWARDER_ROLE.accessKeyId);
    const calls = byForwarder.map((c) => `${c.action} ${c.status}`);
    expect(calls[0]).toBe('ListExtensionAssociations 200');
    expect(calls.at(-1)).toBe('DeleteExtensionAssociation 204');
    // It reads the associations on the profile (ours, and perhaps the foreign one first) to find its URL.
    expect(calls.slice(1, -1).length).toBeGreaterThanOrEqual(1);
    expect(new Set(calls.slice(1, -1))).toEqual(new Set(['GetExtensionAssociation 200']));
    expect(lines.join('\n')).not.toContain(assoc!.parameters.SigningSecret!);

    // AppConfig no longer invokes the forwarder for this association.
    lines = [];
    await save();
    expect(logged().filter((l) => l.outcome !== 'rejected' || l.status !== 404)).toEqual([]);
  });

  it('a role without DeleteExtensionAssociation: the forwarder logs the refused call and AWS keeps the association', async () => {
    role = LIMITED_ROLE;
    const p = h.aws.addProfile(h.app.id, { name: 'limited-role-flags', type: 'AWS.AppConfig.FeatureFlags' });
    const assoc = await h.associate({ configurationProfileId: p.id });
    expect((await h.api('delete', `/api/associations/${assoc.id}`)).status).toBe(204);
    await save(p.id);
    expect(logged()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'extension association not deleted',
        outcome: 'failed',
        error: 'DeleteExtensionAssociation: AccessDeniedException',
        resourceArn: p.arn,
      }),
    );
    expect(inAws(p.arn)).toHaveLength(1);
  });

  it("a database that never knew the association (an older backup, the wrong DATABASE_URL): 404, and AWS keeps it", async () => {
    const p = h.aws.addProfile(h.app.id, { name: 'restored-flags', type: 'AWS.AppConfig.FeatureFlags' });
    const assoc = await h.associate({ configurationProfileId: p.id });
    // The row is gone without a removal: what a restore from before the Save leaves.
    await h.service.models.Association.destroy({ where: { id: assoc.id } });
    expect(await h.service.models.RemovedAssociation.count({ where: { id: assoc.id } })).toBe(0);
    await save(p.id); // the engineer's save still succeeds
    expect(logged()).toEqual([expect.objectContaining({ outcome: 'rejected', status: 404 })]);
    expect(inAws(p.arn).map((a) => a.id)).toEqual([assoc.extensionAssociationId]);
  });

  it('after the site uninstalls the app, the forwarder deletes its association too', async () => {
    const p = h.aws.addProfile(h.app.id, { name: 'uninstall-flags', type: 'AWS.AppConfig.FeatureFlags' });
    const assoc = await h.associate({ configurationProfileId: p.id });
    expect(inAws(p.arn).map((a) => a.id)).toEqual([assoc.extensionAssociationId]);
    expect((await h.jira.uninstall()).status).toBe(204);
    await save(p.id);
    expect(logged()).toContainEqual(expect.objectContaining({ msg: 'extension association deleted', associationId: assoc.extensionAssociationId }));
    expect(inAws(p.arn)).toEqual([]);
  });
});
