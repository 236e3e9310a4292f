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
    ['sessionToken', 'x'.repeat(5000), /too long/],
  ])('a bad %s (%j) is named, with what is expected', async (field, value, message) => {
    const text = expect400(await h.api('post', '/api/associations', { ...valid(), [field]: value }), field);
    expect(text).toMatch(message);
    if (typeof value === 'string' && value.trim().length > 8) expect(text).not.toContain(value);
  });

  it('a secret access key with a line break in it is named before it is sent anywhere', async () => {
    const res = await h.api('post', '/api/associations', { ...valid(), secretAccessKey: `${KEYS.full.secretAccessKey}\nextra` });
    expect400(res, 'secretAccessKey', 'aws_invalid_secret_key');
    expect(JSON.stringify(res.body)).not.toContain(KEYS.full.secretAccessKey);
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

  it('refused bodies made no AWS call and created nothing', async () => {
    expect(h.aws.calls.length).toBe(awsCallsBefore);
    const list = await h.api('get', '/api/associations');
    expect(list.status).toBe(200);
    expect(list.body.associations).toEqual([]);
  });
});
