/**
 * The admin's AWS keys are used for one request and kept nowhere: after configure calls that succeed and
 * after ones that fail, the secret access key and the session token are not in the database (the SQLite
 * file bytes with its -wal/-shm files, or every row of every PostgreSQL table), the logs, or any response.
 * The event signing secret AppConfig holds is not in the database or the logs either.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { fixtureText, flagsV2 } from '../support/fixtures.js';
import { ACCOUNT_ID, REGION, startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

const unique = (prefix: string) => `${prefix}${crypto.randomBytes(16).toString('hex')}`;

/** Temporary keys (with a session token) that may do everything the product needs. */
const GOOD = { accessKeyId: 'ASIAGOODTEMPKEY00001', secretAccessKey: unique('GoodSecret/'), sessionToken: unique('GoodSessionToken+') };
/** Temporary keys that may only list: every association call is denied. */
const LIMITED = { accessKeyId: 'ASIALIMITEDKEY000002', secretAccessKey: unique('LimitedSecret/'), sessionToken: unique('LimitedToken+') };
/** Keys whose session has ended. */
const EXPIRED = { accessKeyId: 'ASIAEXPIREDKEY000003', secretAccessKey: unique('ExpiredSecret/'), sessionToken: unique('ExpiredToken+') };
/** What an admin pastes by mistake for GOOD's secret, and with GOOD's token. */
const WRONG_SECRET = unique('WrongSecret/');
const WRONG_TOKEN = unique('WrongToken+');

/** Every file in the data folder (the SQLite database with -wal and -shm, anything else the app wrote). */
function dataFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? dataFiles(full) : [full];
  });
}

async function postgresRows(databaseUrl: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const rows = new Map<string, string>();
    for (const { table_name } of tables.rows) {
      const r = await client.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${table_name.replace(/"/g, '""')}" t`);
      rows.set(table_name, r.rows.map((x) => x.j).join('\n'));
    }
    return rows;
  } finally {
    await client.end();
  }
}

describe.each(databaseKinds)('no secret is kept on %s', (kind) => {
  let h: Harness;
  const responses: request.Response[] = [];
  let associationId = '';

  const call = async (method: 'get' | 'post' | 'delete', url: string, payload?: unknown) => {
    const res = await h.api(method, url, payload);
    responses.push(res);
    return res;
  };
  const form = (keys: Record<string, string>, overrides: Record<string, unknown> = {}) => ({
    projectKey: 'FLAG',
    region: REGION,
    applicationId: h.app.id,
    configurationProfileId: h.profile.id,
    ...keys,
    ...overrides,
  });
  const adminSecrets = () => [GOOD, LIMITED, EXPIRED].flatMap((k) => [k.secretAccessKey, k.sessionToken]).concat(WRONG_SECRET, WRONG_TOKEN);
  /** Each secret as typed, and base64-encoded (a naive "encoding" is no protection either). */
  const forms = (secret: string) => [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];

  /** Where each secret is found: "<place>: <secret>" for every hit. */
  async function findSecrets(secrets: string[]): Promise<string[]> {
    const hits: string[] = [];
    const places: Array<[string, Buffer]> = dataFiles(h.db.dataDir).map((f) => [path.relative(h.db.dataDir, f), fs.readFileSync(f)]);
    if (h.db.kind === 'postgres') {
      for (const [table, text] of await postgresRows(h.db.databaseUrl!)) places.push([`table ${table}`, Buffer.from(text)]);
    }
    places.push(['logs', Buffer.from(h.logs())]);
    responses.forEach((res, i) => places.push([`response ${i} (${res.status})`, Buffer.from(`${JSON.stringify(res.headers)}\n${res.text}`)]));
    for (const secret of secrets) {
      for (const variant of forms(secret)) {
        for (const [place, bytes] of places) if (bytes.includes(variant)) hits.push(`${place}: ${secret}`);
      }
    }
    return hits;
  }

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    const user = (name: string) => ({ accountId: ACCOUNT_ID, userArn: `arn:aws:iam::${ACCOUNT_ID}:role/${name}` });
    h.aws.addKey({ ...GOOD, ...user('good'), allow: '*' });
    h.aws.addKey({ ...LIMITED, ...user('limited'), allow: ['appconfig:ListApplications', 'appconfig:ListConfigurationProfiles'] });
    h.aws.addKey({ ...EXPIRED, ...user('expired'), allow: '*', expired: true });
    h.aws.addHostedVersion(h.app.id, h.profile.id, fixtureText('flags-v1.json'), { description: 'first flags' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('configure calls that fail: wrong secret, wrong token, expired token, access denied', async () => {
    const wrongSecret = await call('post', '/api/associations', form({ ...GOOD, secretAccessKey: WRONG_SECRET }));
    expect(wrongSecret.status).toBe(400);
    expect(wrongSecret.body.error.field).toBe('secretAccessKey');
    const wrongToken = await call('post', '/api/associations?dryRun=true', form({ ...GOOD, sessionToken: WRONG_TOKEN }));
    expect(wrongToken.status).toBeGreaterThanOrEqual(400);
    const expired = await call('post', '/api/associations', form(EXPIRED));
    expect(expired.status).toBe(400);
    expect(expired.body.error.field).toBe('sessionToken');
    const denied = await call('post', '/api/associations', form(LIMITED));
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('aws_access_denied');
    const deniedDry = await call('post', '/api/associations?dryRun=true', form(LIMITED));
    expect(deniedDry.status).toBe(403);
    // The pickers take the same keys.
    const apps = await call('post', '/api/aws/applications', { region: REGION, accessKeyId: GOOD.accessKeyId, secretAccessKey: WRONG_SECRET, sessionToken: GOOD.sessionToken });
    expect(apps.status).toBe(400);
    const profiles = await call('post', '/api/aws/configuration-profiles', { region: REGION, ...EXPIRED, applicationId: h.app.id });
    expect(profiles.status).toBe(400);
    expect(await h.service.models.Association.count()).toBe(0);

    expect(await findSecrets(adminSecrets())).toEqual([]);
  });

  it('configure calls that succeed: pickers, dry run, save with backfill, re-save', async () => {
    expect((await call('post', '/api/aws/applications', { region: REGION, ...GOOD })).status).toBe(200);
    expect((await call('post', '/api/aws/configuration-profiles', { region: REGION, ...GOOD, applicationId: h.app.id })).status).toBe(200);
    expect((await call('post', '/api/associations?dryRun=true', form(GOOD))).status).toBe(200);
    const saved = await call('post', '/api/associations', form(GOOD));
    expect(saved.status).toBe(201);
    expect(saved.body.backfill).toBe('done'); // the keys (and token) were used for the backfill too
    associationId = saved.body.id;
    expect(h.jira.issues()).toHaveLength(2);
    expect((await call('post', '/api/associations', form(GOOD))).status).toBe(200);
    expect((await call('get', '/api/associations')).status).toBe(200);

    expect(await findSecrets(adminSecrets())).toEqual([]);
  });

  it('events keep their payload minus Parameters.SigningSecret; the signing secret is in no row and no log', async () => {
    const signingSecret = h.signingSecretOf(associationId);
    const parameters = h.aws.extensionAssociations().find((a) => a.parameters.SigningSecret === signingSecret)!.parameters;
    const document = preCreateEvent(h, flagsV2(), 2, { invocationId: 'secret-check-v2', parameters });
    const deployment = deploymentEvent(h, 2, { invocationId: 'secret-check-deploy', parameters });
    for (const event of [document, deployment]) {
      const res = await h.sendEvent(associationId, event);
      responses.push(res);
      expect(res.status).toBe(202);
    }
    await waitFor('the events to be processed', async () => (await h.service.models.StoredEvent.count({ where: { associationId, status: 'pending' } })) === 0);

    const stored = await h.service.models.StoredEvent.findAll({ where: { associationId }, order: [['id', 'ASC']] });
    expect(stored.map((e) => e.invocationId)).toEqual(['backfill-1', 'secret-check-v2', 'secret-check-deploy']);
    for (const e of stored.slice(1)) {
      const payload = JSON.parse(e.payload) as { Parameters: Record<string, string> };
      expect(payload.Parameters).toEqual({ EventsUrl: parameters.EventsUrl }); // minus the secret, nothing else
      expect(e.status).toBe('done');
    }
    expect(h.jira.issues()).toHaveLength(3);

    expect(await findSecrets([signingSecret])).toEqual([]);
    expect(await findSecrets(adminSecrets())).toEqual([]);
  });

  it('the searches themselves work: what should be there is found', async () => {
    // Positive controls, so an empty result above cannot come from looking in the wrong place.
    const files = dataFiles(h.db.dataDir);
    if (h.db.kind === 'sqlite') {
      expect(files.some((f) => fs.readFileSync(f).subarray(0, 16).toString('latin1') === 'SQLite format 3\0')).toBe(true);
      const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
      expect(bytes.includes(associationId)).toBe(true);
      expect(bytes.includes(GOOD.accessKeyId)).toBe(false); // not even the key ID is kept
    } else {
      const rows = await postgresRows(h.db.databaseUrl!);
      expect(rows.get('associations')).toContain(associationId);
      expect(rows.get('events')).toContain('secret-check-v2');
      expect([...rows.values()].join('\n')).not.toContain(GOOD.accessKeyId);
    }
    expect(h.logs()).toContain(associationId);
    expect(h.logs()).toMatch(/request refused/);
    expect(responses.length).toBeGreaterThanOrEqual(15);
  });
});
