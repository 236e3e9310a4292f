/**
 * Bodies the app refuses before any AWS call: each answer is a 400 JSON error naming the field, so the
 * Configure page can show it next to that field; bodies that are not JSON get a JSON error too.
 */
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { KEYS, REGION, startHarness, type Harness } from '../support/harness.js';

describe.each(databaseKinds)('associations API validation on %s', (kind) => {
  let h: Harness;
  let awsCallsBefore: number;

  const valid = () => ({
    projectKey: 'FLAG',
    region: REGION,
    applicationId: h.app.id,
    configurationProfileId: h.profile.id,
    ...KEYS.full,
  });
  const without = (field: string) => {
    const b: Record<string, unknown> = valid();
    delete b[field];
    return b;
  };
  const expect400 = (res: request.Response, field: string | undefined, code = 'invalid_field') => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(res.body.error.message.length).toBeGreaterThan(5);
    return res.body.error.message as string;
  };

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    awsCallsBefore = h.aws.calls.length;
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(['projectKey', 'region', 'applicationId', 'configurationProfileId', 'accessKeyId', 'secretAccessKey'])(
    'a missing %s is named',
    async (field) => {
      expect400(await h.api('post', '/api/associations', without(field)), field);
      expect400(await h.api('post', '/api/associations?dryRun=true', without(field)), field);
    },
  );

  it.each([
    ['region', 'Ireland', /Region code/],
    ['region', 42, /string/i],
    ['accessKeyId', 'abc', /access key ID starts with AKIA/],
    ['accessKeyId', 'akiafullaccess000001', /AKIA/],
    ['secretAccessKey', 'short', /too short/],
    ['projectKey', 'flag project', /project key/],
    ['applicationId', '   ', /application ID or name/],
    ['configurationProfileId', 'x'.repeat(200), /at most 128/],
  ])('a bad %s (%j) is named, with what is expected', async (field, value, message) => {
    const text = expect400(await h.api('post', '/api/associations', { ...valid(), [field]: value }), field);
    expect(text).toMatch(message);
    if (typeof value === 'string' && value.trim().length > 8) expect(text).not.toContain(value);
  });

  // The SDK throws a TypeError on characters a header cannot carry, before any call: once a 502.
  it.each([
    ['a 9,000-character session token', 'sessionToken', 'x'.repeat(9000), /too long/],
    ['a 2,048-character session token ending in a non-Latin-1 character', 'sessionToken', `${'IQoJb3JpZ2luX2Vj'.repeat(128)}`.slice(0, 2047) + '\u0100', /characters AWS never puts/],
    ['a 2,048-character session token with a NUL', 'sessionToken', `FwoGZXIvYXdz\u0000${'A'.repeat(2035)}`, /characters AWS never puts/],
    ['a session token with a space inside', 'sessionToken', `FwoGZXIvYXdz ${'A'.repeat(2035)}`, /characters AWS never puts/],
    ['a secret access key with an accent', 'secretAccessKey', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKé', /characters AWS never puts/],
    ['an access key ID with a NUL', 'accessKeyId', 'AKIA\u0000FULLACCESS0001', /AKIA/],
  ])('%s → 400 naming %s, nothing sent to AWS', async (_label, field, value, message) => {
    const text = expect400(await h.api('post', '/api/associations', { ...valid(), [field]: value }), field);
    expect(text).toMatch(message);
    expect(text).not.toContain(value);
  });

  it('a secret access key with a line break in it is named before it is sent anywhere', async () => {
    const res = await h.api('post', '/api/associations', { ...valid(), secretAccessKey: `${KEYS.full.secretAccessKey}\nextra` });
    expect400(res, 'secretAccessKey');
    expect(JSON.stringify(res.body)).not.toContain(KEYS.full.secretAccessKey);
  });

  it('the pickers name a malformed 2,048-character session token too', async () => {
    const sessionToken = `${'A'.repeat(1024)}\u2028${'A'.repeat(1023)}`;
    const res = await h.api('post', '/api/aws/applications', { region: REGION, ...KEYS.full, sessionToken });
    expect(expect400(res, 'sessionToken')).not.toContain(sessionToken);
  });

  it('a body that is not JSON → 400 JSON error', async () => {
    const asJson = await h.api('post', '/api/associations').set('Content-Type', 'application/json').send('{"projectKey": "FLAG",');
    expect400(asJson, undefined, 'invalid_json');

    const text = await h.api('post', '/api/associations').set('Content-Type', 'text/plain').send('projectKey=FLAG');
    expect(text.status).toBe(400);
    expect(text.headers['content-type']).toMatch(/application\/json/);
    expect(text.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });

    const array = await h.api('post', '/api/associations', [valid()]);
    expect(array.status).toBe(400);
    expect(array.body.error.code).toBe('invalid_field');
  });

  it('a well-formed 2,048-character session token reaches AWS and works', async () => {
    const temporary = { accessKeyId: 'ASIALONGSESSION00001', secretAccessKey: 'long-session-secret-eeeeeeeeeeeeeeeeeeeeeeeeee', sessionToken: `IQoJb3JpZ2luX2Vj${'Ab+/9'.repeat(406)}==`.slice(0, 2048) };
    expect(temporary.sessionToken).toHaveLength(2048);
    h.aws.addKey({ ...temporary, accountId: h.aws.defaults.accountId, userArn: 'arn:aws:iam::123456789012:role/jira-admin', allow: '*' });
    const before = h.aws.calls.length;
    const res = await h.api('post', '/api/aws/applications', { region: REGION, ...temporary });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.applications).toEqual([{ id: h.app.id, name: h.app.name }]);
    expect(h.aws.calls.slice(before)).toEqual([expect.objectContaining({ action: 'ListApplications', accessKeyId: temporary.accessKeyId, status: 200 })]);
    awsCallsBefore = h.aws.calls.length;
  });

  it('refused bodies made no AWS call and created nothing', async () => {
    expect(h.aws.calls.length).toBe(awsCallsBefore);
    const list = await h.api('get', '/api/associations');
    expect(list.status).toBe(200);
    expect(list.body.associations).toEqual([]);
  });
});
