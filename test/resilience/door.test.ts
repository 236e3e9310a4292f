/**
 * What the door refuses before any handler, parser or SQL sees it: association ids that are not ids
 * (a NUL, upper case, 5 KB, bad percent-encoding) on every /api/associations/:id route, and bodies
 * that cannot be read (declared gzip or deflate but not). Each gets our JSON error, nothing changes,
 * and nothing reaches the error handler as an unexpected error.
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { associationForm, startHarness, type Harness } from '../support/harness.js';
import { preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { eventCounts } from '../support/pipeline-kit.js';

describe.each(databaseKinds)('the door (%s)', (kind) => {
  let h: Harness;
  let id: string;
  const auth = () => `JWT ${h.jira.contextJwt(h.jira.adminAccountId)}`;

  beforeAll(async () => {
    h = await startHarness({ db: kind, worker: false });
    id = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = (method: string, path: string, init: { body?: string | Buffer; headers?: Record<string, string> } = {}) =>
    fetch(`${h.service.url}${path}`, { method, body: init.body, headers: { Authorization: auth(), 'Content-Type': 'application/json', ...init.headers } });
  const expectError = async (res: Response, status: number, code: string) => {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(code);
  };
  const stillThere = async () => {
    const list = await h.api('get', '/api/associations');
    expect((list.body as { associations: { id: string }[] }).associations.map((a) => a.id)).toEqual([id]);
  };

  const badIds = () => [
    `${id}%00`,
    `%00${id}`,
    id.toUpperCase(),
    `${id}%20`,
    `${id}'--`,
    'x'.repeat(5000),
    `${id}%2Fevents`,
    '%E2%80%AE' + id,
  ];

  it('DELETE /api/associations/<not an id> → 404 association_not_found, the association stays', async () => {
    for (const bad of badIds()) await expectError(await send('DELETE', `/api/associations/${bad}`), 404, 'association_not_found');
    await stillThere();
  });

  it('POST /api/associations/<not an id> (with or without a token) → 404 association_not_found', async () => {
    for (const bad of badIds()) {
      await expectError(await send('POST', `/api/associations/${bad}`, { body: '{}' }), 404, 'association_not_found');
      await expectError(await send('POST', `/api/associations/${bad}`, { body: '{}', headers: { Authorization: '' } }), 404, 'association_not_found');
    }
  });

  it('POST /api/associations/<not an id>/events, signed or not → 404, nothing stored', async () => {
    const raw = JSON.stringify(preCreateEvent(h, flagsV1(), 1));
    for (const bad of badIds()) {
      await expectError(await send('POST', `/api/associations/${bad}/events`, { body: raw }), 404, 'association_not_found');
    }
    expect((await eventCounts(h.service.db)).total).toBe(0);
  });

  it('a path that is not valid percent-encoding → 400 invalid_path', async () => {
    await expectError(await send('DELETE', '/api/associations/%zz'), 400, 'invalid_path');
    await expectError(await send('POST', `/api/associations/${id}%E0%A4%A/events`, { body: '{}' }), 400, 'invalid_path');
    await stillThere();
  });

  it('an API body declared gzip or deflate that is not compressed → 400 invalid_body, nothing created', async () => {
    const form = JSON.stringify(associationForm(h, { configurationProfileId: 'other' }));
    for (const encoding of ['gzip', 'deflate']) {
      await expectError(await send('POST', '/api/associations', { body: form, headers: { 'Content-Encoding': encoding } }), 400, 'invalid_body');
    }
    // Truncated gzip of valid JSON: unreadable too.
    const truncated = zlib.gzipSync(form).subarray(0, 40);
    await expectError(await send('POST', '/api/associations', { body: truncated, headers: { 'Content-Encoding': 'gzip' } }), 400, 'invalid_body');
    await expectError(await send('POST', '/api/associations', { body: form, headers: { 'Content-Encoding': 'compress' } }), 415, 'unsupported_encoding');
    await stillThere();
  });

  it('none of these reached the error handler as an unexpected error', () => {
    expect(h.logs()).not.toContain('unexpected error');
  });
});
