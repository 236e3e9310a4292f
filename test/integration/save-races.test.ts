/**
 * Saving an association races the things that remove it, and AWS's own events. An uninstall that lands
 * while the save is in its AWS calls leaves nothing of the site behind: the save is refused (401, as a
 * request from an uninstalled site is), no association row is left to take events that would wait
 * forever, and the events AWS now sends for the id get 410. A removal of the association while it is
 * being saved again is answered 409 association_removed (nothing saved), and saving once more creates it
 * anew, which repoints AWS's association at it. An event AWS sends between making the extension
 * association and the row's commit waits (503) and is delivered once the row is there: the real
 * forwarder keeps the association instead of deleting it as removed. Real databases; the AWS double
 * holds the one AWS call the race needs.
 */
import { AppConfigClient, CreateHostedConfigurationVersionCommand } from '@aws-sdk/client-appconfig';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, type ForwarderLogLine } from '../../src/forwarder/handler.js';
import http from 'node:http';
import { beginSave, saveAssociation, SAVE_UNDER_WAY_MS } from '../../src/db/associations.js';
import { signatureHeader } from '../../src/intake/signature.js';
import request from 'supertest';
import { associationFields } from '../support/rows.js';
import { startJiraDouble } from '../doubles/jira/index.js';
import { loadOperatorKey, SigningSecrets } from '../../src/secrets/signing-secrets.js';
import { databaseKinds } from '../support/databases.js';
import { ACCOUNT_ID, associationForm, REGION, startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';
import { waitIdle } from '../support/pipeline-kit.js';

describe.each(databaseKinds)('saving an association while it or its site is removed (%s)', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ db: kind });
  });
  afterEach(async () => {
    await h?.close();
  });

  const awsCallStarted = (action: string) => waitFor(`${action} under way`, async () => h.aws.calls.some((c) => c.action === action) || undefined);

  it('an uninstall during the save leaves no association behind and refuses the save', async () => {
    h.aws.faults.add({ action: 'CreateExtensionAssociation', delayMs: 1000 });
    const saving = h.api('post', '/api/associations', associationForm(h)).then((r) => r);
    await awsCallStarted('CreateExtensionAssociation');
    expect((await h.jira.uninstall()).status).toBe(204);

    const res = await saving;
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(JSON.stringify(res.body)).toContain('"unauthorized"'); // the one answer to every refused authentication
    const m = h.service.models;
    expect({ associations: await m.Association.count(), events: await m.StoredEvent.count(), sites: await m.Site.count() }).toEqual({
      associations: 0,
      events: 0,
      sites: 0,
    });
    // AWS was handed an id whose save then failed: its events are those of an association that is gone
    // (410, so the forwarder deletes it), not of one still being saved (503, retried in vain).
    const [made] = h.aws.extensionAssociations();
    const id = String(made!.parameters.EventsUrl).split('/').at(-2)!;
    const late = await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1), { secret: made!.parameters.SigningSecret });
    expect(late.status, JSON.stringify(late.body)).toBe(410);
    expect(await m.AssociationSave.count()).toBe(0);
  });

  it('a removal during a second save is answered 409 and saves nothing; saving again creates it anew', async () => {
    const first = await h.associate();
    await waitIdle(h.service.db);
    h.aws.calls.length = 0;
    h.aws.faults.add({ action: 'GetExtensionAssociation', delayMs: 1000 });
    const saving = h.api('post', '/api/associations', associationForm(h)).then((r) => r);
    await awsCallStarted('GetExtensionAssociation');
    expect((await h.api('delete', `/api/associations/${first.id}`)).status).toBe(204);

    const res = await saving;
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(JSON.stringify(res.body)).toContain('association_removed');
    expect(await h.service.models.Association.count()).toBe(0);

    const again = await h.associate();
    expect(again.id).not.toBe(first.id);
    expect((await h.sendEvent(again.id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
  });

  it('an event AWS sends before the new row commits waits for it (503, then 202), and the forwarder keeps the association', async () => {
    const lines: string[] = [];
    const engineerKeys = { accessKeyId: 'AKIAENGINEERSAVES002', secretAccessKey: 'engineer-secret-hhhhhhhhhhhhhhhhhhhhhhhhhhhh' };
    const role = { accessKeyId: 'ASIAFORWARDERROLE002', secretAccessKey: 'forwarder-role-secret-iiiiiiiiiiiiiiiiiiiiii', sessionToken: 'IQoJb3JpZ2luX2VjEForwarderRoleSessionToken000000000002' };
    const user = (name: string) => ({ accountId: ACCOUNT_ID, userArn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${name}/session` });
    h.aws.addKey({ ...engineerKeys, ...user('engineer'), allow: ['appconfig:CreateHostedConfigurationVersion'] });
    // The forwarder's role may delete its association (the template's policy): a 410 would cost it.
    h.aws.addKey({ ...role, ...user('forwarder'), allow: ['appconfig:ListExtensionAssociations', 'appconfig:GetExtensionAssociation', 'appconfig:DeleteExtensionAssociation'] });
    h.aws.onExtensionEvent(async (event, meta) => {
      const forward = createHandler({ log: (line) => lines.push(line), awsCredentials: role });
      await forward(event, { invokedFunctionArn: `arn:aws:lambda:${meta.region}:${meta.accountId}:function:jira-flag-tracker-forwarder` });
    });
    const engineer = new AppConfigClient({ region: REGION, endpoint: h.aws.url, credentials: engineerKeys, maxAttempts: 1 });

    // AWS makes the extension association at once but answers the app only after 1.5 s.
    h.aws.faults.add({ action: 'CreateExtensionAssociation', holdAnswerMs: 1500 });
    const saving = h.api('post', '/api/associations', associationForm(h)).then((r) => r);
    const made = await waitFor('the extension association made in AWS', async () => h.aws.extensionAssociations().find((a) => a.resourceArn === h.profile.arn));
    // Meanwhile an engineer saves flags: AppConfig invokes the forwarder, which posts to the new EventsUrl.
    const saved = engineer.send(
      new CreateHostedConfigurationVersionCommand({
        ApplicationId: h.app.id,
        ConfigurationProfileId: h.profile.id,
        Content: new TextEncoder().encode(JSON.stringify(flagsV1())),
        ContentType: 'application/json',
      }),
    );

    const res = await saving;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await saved;
    engineer.destroy();
    const logged = lines.map((l) => JSON.parse(l) as ForwarderLogLine);
    expect(logged).toEqual([expect.objectContaining({ msg: 'appconfig event forwarded', outcome: 'delivered', status: 202 })]);
    expect(logged[0]!.attempts, 'the first attempt was answered 503 while the save was under way').toBeGreaterThan(1);
    expect(h.aws.extensionAssociations().map((a) => a.id)).toEqual([made.id]);
    expect(res.body).toMatchObject({ extensionAssociationId: made.id });
    // The event itself went through: its flags have their issues.
    await waitIdle(h.service.db);
    expect(h.jira.issues().length).toBe(Object.keys((flagsV1() as { flags: object }).flags).length);
    expect(await h.service.models.AssociationSave.count()).toBe(0);
  });

  it('answers 503 only while a save is under way: a note older than a save can take (a process that died) counts as gone', async () => {
    const signing = new SigningSecrets(loadOperatorKey(h.service.config));
    const secretFor = (id: string) => signing.forAssociation(id);
    const event = preCreateEvent(h, flagsV1(), 1);
    const fresh = '3f1d2c4b-5a69-4788-9a1b-2c3d4e5f6a7b';
    const stale = '4f1d2c4b-5a69-4788-9a1b-2c3d4e5f6a7b';
    await h.service.models.AssociationSave.create({ id: fresh, clientKey: h.jira.clientKey, startedAtMs: Date.now() });
    await h.service.models.AssociationSave.create({ id: stale, clientKey: h.jira.clientKey, startedAtMs: Date.now() - SAVE_UNDER_WAY_MS - 1000 });

    const waiting = await h.sendEvent(fresh, event, { secret: secretFor(fresh) });
    expect(waiting.status).toBe(503);
    expect(waiting.headers['retry-after']).toBe('5');
    expect(waiting.body).toEqual({ error: { code: 'association_being_saved', message: expect.stringContaining('being saved') } });
    expect((await h.sendEvent(stale, event, { secret: secretFor(stale) })).status).toBe(410);
    // A signature not ours is still no more than an unknown id.
    expect((await h.sendEvent(fresh, event, { secret: 'not-the-secret' })).status).toBe(404);
    expect(await h.service.models.StoredEvent.count()).toBe(0);

    // Uninstalling the site ends its saves under way with the rest of its data.
    expect((await h.jira.uninstall()).status).toBe(204);
    expect(await h.service.models.AssociationSave.count()).toBe(0);
    expect((await h.sendEvent(fresh, event, { secret: secretFor(fresh) })).status).toBe(410);
  });

  it('a save another process took for a dead one (its note swept as lapsed) still commits a row that takes events', async () => {
    const { db, models } = h.service;
    const id = '6f1d2c4b-5a69-4788-9a1b-2c3d4e5f6a7b';
    // This save's note, seen by another process with a clock ahead as older than a save can take.
    await models.AssociationSave.create({ id, clientKey: h.jira.clientKey, startedAtMs: Date.now() - SAVE_UNDER_WAY_MS - 1000 });
    await beginSave(db, models, 'ab1d2c4b-5a69-4788-9a1b-2c3d4e5f6a7b', h.jira.clientKey);
    expect(await models.RemovedAssociation.count({ where: { id } })).toBe(1);
    const fields = associationFields(id, { clientKey: h.jira.clientKey, applicationId: h.app.id, configurationProfileId: h.profile.id });
    await saveAssociation(db, models, { ...fields, issueFloor: null }, false);
    expect(await models.RemovedAssociation.count({ where: { id } })).toBe(0);
    const secret = new SigningSecrets(loadOperatorKey(h.service.config)).forAssociation(id);
    expect((await h.sendEvent(id, preCreateEvent(h, flagsV1(), 1), { secret })).status).toBe(202);
  });

  it('an event whose body is still arriving when the new row commits is taken, not refused as removed', async () => {
    const { db, models } = h.service;
    const id = '5f1d2c4b-5a69-4788-9a1b-2c3d4e5f6a7b';
    await beginSave(db, models, id, h.jira.clientKey);
    const secret = new SigningSecrets(loadOperatorKey(h.service.config)).forAssociation(id);
    const raw = JSON.stringify(preCreateEvent(h, flagsV1(), 1));
    const url = new URL(`${h.service.url}/api/associations/${id}/events`);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(raw), 'x-appconfig-signature': signatureHeader(secret, raw) };
      const req = http.request(url, { method: 'POST', headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      // Intake has read the headers (no row yet) and waits for the body; meanwhile the save commits.
      req.write(raw.slice(0, 10));
      setTimeout(() => {
        const fields = associationFields(id, { clientKey: h.jira.clientKey, applicationId: h.app.id, configurationProfileId: h.profile.id });
        saveAssociation(db, models, { ...fields, issueFloor: null }, false).then(() => req.end(raw.slice(10)), reject);
      }, 300);
    });
    expect(answer.status, answer.body).toBe(202);
    expect(await models.StoredEvent.count({ where: { associationId: id } })).toBe(1);
  });

  it('a removal while the Save reads the latest version for the backfill is answered 409, not 500', async () => {
    h.aws.addHostedVersion(h.app.id, h.profile.id, JSON.stringify(flagsV1()));
    h.aws.faults.add({ action: 'GetHostedConfigurationVersion', delayMs: 1000 });
    const saving = h.api('post', '/api/associations', associationForm(h)).then((r) => r);
    await awsCallStarted('GetHostedConfigurationVersion');
    const [row] = await h.service.models.Association.findAll();
    expect((await h.api('delete', `/api/associations/${row!.id}`)).status).toBe(204);

    const res = await saving;
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'association_removed', message: expect.stringContaining('removed while its existing flags were being read') } });
    expect(await h.service.models.Association.count()).toBe(0);
    expect(await h.service.models.StoredEvent.count()).toBe(0);
  });

  describe('two Saves of one profile at once', () => {
    const linksOnProfile = () => h.aws.extensionAssociations().filter((a) => a.resourceArn === h.profile.arn);
    const firstSaveUnderWay = async () => {
      // AWS makes the first Save's extension association at once and answers it 1.5 s later.
      h.aws.faults.add({ action: 'CreateExtensionAssociation', holdAnswerMs: 1500 });
      const first = h.api('post', '/api/associations', associationForm(h)).then((r) => r);
      const made = await waitFor('the first Save\'s extension association', async () => linksOnProfile()[0]);
      return { first, made };
    };

    it('the same site (a second click): the second waits for the first and converges on its association', async () => {
      const { first, made } = await firstSaveUnderWay();
      const second = await h.api('post', '/api/associations', associationForm(h));
      const firstRes = await first;
      expect(firstRes.status, JSON.stringify(firstRes.body)).toBe(201);
      expect(second.status, JSON.stringify(second.body)).toBe(200);
      expect(second.body).toMatchObject({ id: firstRes.body.id, extensionAssociationId: made.id });
      expect(await h.service.models.Association.count()).toBe(1);
      expect(linksOnProfile().map((a) => [a.id, a.parameters.EventsUrl])).toEqual([[made.id, firstRes.body.eventsUrl]]);
      expect((await h.sendEvent(firstRes.body.id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
    });

    it('another site: it waits for the first site\'s Save, then is told the profile is tracked elsewhere; AWS stays with the first', async () => {
      const other = await startJiraDouble();
      try {
        expect((await other.install(h.service.config.baseUrl)).status).toBe(204);
        const { first, made } = await firstSaveUnderWay();
        const second = await request(h.service.app)
          .post('/api/associations')
          .set('Authorization', `JWT ${other.contextJwt(other.adminAccountId)}`)
          .send(associationForm(h));
        const firstRes = await first;
        expect(firstRes.status, JSON.stringify(firstRes.body)).toBe(201);
        expect(second.status, JSON.stringify(second.body)).toBe(409);
        expect(second.body).toMatchObject({ error: { code: 'profile_tracked_elsewhere' } });
        expect(await h.service.models.Association.count({ where: { clientKey: other.clientKey } })).toBe(0);
        expect(linksOnProfile().map((a) => [a.id, a.parameters.EventsUrl])).toEqual([[made.id, firstRes.body.eventsUrl]]);
        expect((await h.sendEvent(firstRes.body.id, preCreateEvent(h, flagsV1(), 1))).status).toBe(202);
      } finally {
        await other.close();
      }
    });
  });
});
