/**
 * POST /api/associations/:id/events, the forwarder's door: every bad input gets its status and a JSON
 * error and stores nothing; a good event is stored once (202, then 200 for the same InvocationId) without
 * the signing secret.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../support/error-answer.js';
import { signatureHeader } from '../../src/intake/signature.js';
import { databaseCut, type DatabaseCut } from '../support/database-cut.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1 } from '../support/fixtures.js';
import { eventCounts } from '../support/pipeline-kit.js';
import { waitFor } from '../support/wait.js';

const now = () => Math.floor(Date.now() / 1000);

interface BadCase {
  name: string;
  status: number;
  code?: string;
  /** Builds the request: the raw body and the signature header (null = none). */
  make(h: Harness, id: string): { raw: string; header?: string | null; id?: string };
}

const signed = (h: Harness, id: string, raw: string, at?: number) => signatureHeader(h.signingSecretOf(id), raw, at);

/**
 * Sends the request line and headers and `partial` bytes of a body, and never the rest: an answer
 * proves the server decided from the headers alone, without waiting for (or reading) the body.
 */
function answerBeforeBody(url: string, path: string, headers: Record<string, string>, partial = ''): Promise<{ status: number; body: unknown; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown, connection: res.headers.connection });
      });
    });
    req.on('error', reject);
    req.flushHeaders();
    if (partial) req.write(partial);
  });
}

/** `depth` nested arrays: valid JSON that recursive code cannot walk. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

const CASES: BadCase[] = [
  { name: 'no signature', status: 401, code: 'unauthorized', make: (h) => ({ raw: JSON.stringify(preCreateEvent(h, flagsV1(), 1)), header: null }) },
  {
    name: 'a signature made with another secret',
    status: 401,
    code: 'unauthorized',
    make: (h) => {
      const raw = JSON.stringify(preCreateEvent(h, flagsV1(), 1));
      return { raw, header: signatureHeader('not-the-signing-secret-at-all', raw) };
    },
  },
  {
    name: 'a signature over another body',
    status: 401,
    code: 'unauthorized',
    make: (h, id) => ({ raw: JSON.stringify(preCreateEvent(h, flagsV1(), 1)), header: signed(h, id, JSON.stringify(preCreateEvent(h, flagsV1(), 2))) }),
  },
  { name: 'a malformed signature header', status: 401, code: 'unauthorized', make: (h) => ({ raw: JSON.stringify(preCreateEvent(h, flagsV1(), 1)), header: 'sha256=abc' }) },
  {
    name: 'a timestamp 301 s in the past',
    status: 401,
    code: 'unauthorized',
    make: (h, id) => {
      const raw = JSON.stringify(preCreateEvent(h, flagsV1(), 1));
      return { raw, header: signed(h, id, raw, now() - 301) };
    },
  },
  {
    name: 'a timestamp 301 s in the future',
    status: 401,
    code: 'unauthorized',
    make: (h, id) => {
      const raw = JSON.stringify(preCreateEvent(h, flagsV1(), 1));
      return { raw, header: signed(h, id, raw, now() + 301) };
    },
  },
  { name: 'malformed JSON', status: 400, code: 'invalid_json', make: () => ({ raw: '{"InvocationId": "x", "Type": ' }) },
  { name: 'a JSON array', status: 400, code: 'invalid_event', make: () => ({ raw: '[1,2,3]' }) },
  {
    name: 'no InvocationId',
    status: 400,
    code: 'invalid_event',
    make: (h) => {
      const { InvocationId: _gone, ...event } = preCreateEvent(h, flagsV1(), 1);
      return { raw: JSON.stringify(event) };
    },
  },
  { name: 'an unknown Type', status: 400, code: 'invalid_event', make: (h) => ({ raw: JSON.stringify({ ...preCreateEvent(h, flagsV1(), 1), Type: 'OnSomethingElse' }) }) },
  {
    name: 'no Application',
    status: 400,
    code: 'invalid_event',
    make: (h) => {
      const { Application: _gone, ...event } = preCreateEvent(h, flagsV1(), 1);
      return { raw: JSON.stringify(event) };
    },
  },
  {
    name: 'a PreCreate event without Content',
    status: 400,
    code: 'invalid_event',
    make: (h) => {
      const { Content: _gone, ...event } = preCreateEvent(h, flagsV1(), 1);
      return { raw: JSON.stringify(event) };
    },
  },
  {
    name: 'a deployment event without ConfigurationVersion',
    status: 400,
    code: 'invalid_event',
    make: (h) => {
      const { ConfigurationVersion: _gone, ...event } = deploymentEvent(h, 1);
      return { raw: JSON.stringify(event) };
    },
  },
  { name: 'an InvocationId that is not a string', status: 400, code: 'invalid_event', make: (h) => ({ raw: JSON.stringify({ ...preCreateEvent(h, flagsV1(), 1), InvocationId: 42 }) }) },
  {
    name: 'a Description holding a NUL (no database column can keep it)',
    status: 400,
    code: 'invalid_event',
    make: (h) => ({ raw: JSON.stringify({ ...preCreateEvent(h, flagsV1(), 1), Description: 'a\u0000b' }) }),
  },
  {
    name: 'Content that is not base64',
    status: 400,
    code: 'invalid_flag_document',
    make: (h) => ({ raw: JSON.stringify({ ...preCreateEvent(h, flagsV1(), 1), Content: 'eyJ2ZXJzaW9uIjoi*** not base64 ***' }) }),
  },
  {
    name: 'an event for another configuration profile',
    status: 400,
    code: 'event_for_other_profile',
    make: (h) => ({ raw: JSON.stringify({ ...preCreateEvent(h, flagsV1(), 1), ConfigurationProfile: { Id: 'zzz9999', Name: 'other' } }) }),
  },
];

describe.each(databaseKinds)('event intake (%s)', (kind) => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    // No worker: what the intake stores stays visible as it was stored.
    h = await startHarness({ db: kind, worker: false });
    id = (await h.associate()).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const stored = async () => (await eventCounts(h.service.db)).total;
  const post = (targetId: string, raw: string, header: string | null | undefined) =>
    h.sendEvent(targetId, undefined, { raw, header: header === undefined ? signed(h, targetId, raw) : header });
  const expectJsonError = (res: { status: number; body: unknown; headers: Record<string, string> }, status: number, code?: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const error = (res.body as { error?: { code?: unknown; message?: unknown } }).error;
    expect(typeof error?.code).toBe('string');
    expect(typeof error?.message).toBe('string');
    expect((error?.message as string).length).toBeGreaterThan(10);
    if (code) expect(error?.code).toBe(code);
    expect(JSON.stringify(res.body)).not.toContain(h.signingSecretOf(id));
  };

  it.each(CASES)('$name → $status, a JSON error, nothing stored', async (c) => {
    const req = c.make(h, id);
    const res = await post(req.id ?? id, req.raw, req.header);
    expectJsonError(res, c.status, c.code);
    expect(await stored()).toBe(0);
  });

  it('an invalid flag document → 400, nothing stored, and the reason shows on the association health', async () => {
    const doc = flagsV1() as { values: Record<string, Record<string, unknown>> };
    doc.values.checkout_v2!.max_items = 500; // maximum is 100
    const raw = JSON.stringify(preCreateEvent(h, doc, 1));
    const res = await post(id, raw, undefined);
    expectJsonError(res, 400, 'invalid_flag_document');
    expect(res.body.error.message).toContain('max_items');
    expect(await stored()).toBe(0);

    const list = await h.api('get', '/api/associations');
    const health = (list.body as { associations: { id: string; health: { status: string; lastError: { code: string; message: string } | null } }[] }).associations.find((a) => a.id === id)!.health;
    expect(health.status).toBe('failing');
    expect(health.lastError?.code).toBe('invalid_flag_document');
    expect(health.lastError?.message).toContain('max_items');
    expect(health.lastError?.message).toContain('version 1');
  });

  it('a 6 MiB body → 413, nothing stored', async () => {
    const event = preCreateEvent(h, flagsV1(), 1);
    const raw = JSON.stringify({ ...event, Padding: 'x'.repeat(6 * 1024 * 1024) });
    const res = await post(id, raw, undefined);
    expectJsonError(res, 413);
    expect(await stored()).toBe(0);
  });

  it('a body declared over 5 MiB → 413 from the headers alone, before any of the body is read', async () => {
    const res = await answerBeforeBody(h.service.url, `/api/associations/${id}/events`, {
      'Content-Type': 'application/json',
      'Content-Length': String(5 * 1024 * 1024 + 1),
      'X-AppConfig-Signature': signatureHeader(h.signingSecretOf(id), '{}'),
    }, '{"InvocationId":');
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(res.connection).toBe('close'); // the rest of the body is not received either
    expect(await stored()).toBe(0);
  });

  it('an unknown association → 404 from the headers alone when nothing could sign for it', async () => {
    for (const header of [undefined, 'garbage', signatureHeader('some-secret', '{}', now() - 3600)]) {
      const res = await answerBeforeBody(h.service.url, `/api/associations/${crypto.randomUUID()}/events`, {
        'Content-Type': 'application/json',
        'Content-Length': String(4 * 1024 * 1024),
        ...(header ? { 'X-AppConfig-Signature': header } : {}),
      }, '{"InvocationId":');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: { code: 'association_not_found' } });
      expect(res.connection).toBe('close');
    }
  });

  it.each([
    ['no Content-Type', {}],
    ['Content-Type text/plain', { 'Content-Type': 'text/plain' }],
    ['Content-Encoding gzip', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }],
    ['Content-Encoding br', { 'Content-Type': 'application/json', 'Content-Encoding': 'br' }],
  ])('%s → 415 from the headers alone', async (_name, headers) => {
    const res = await answerBeforeBody(h.service.url, `/api/associations/${id}/events`, {
      ...headers,
      'Content-Length': '100000',
      'X-AppConfig-Signature': signatureHeader(h.signingSecretOf(id), '{}'),
    }, '{"InvocationId":');
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ error: { code: expect.stringMatching(/^unsupported_/) } });
    expect(await stored()).toBe(0);
  });

  it.each([
    ['plain JSON declared gzip', 'gzip', (raw: string) => Buffer.from(raw)],
    ['plain JSON declared deflate', 'deflate', (raw: string) => Buffer.from(raw)],
    ['real gzip', 'gzip', (raw: string) => zlib.gzipSync(raw)],
  ])('a validly signed event sent as %s → 415, a JSON error, nothing stored', async (_name, encoding, encode) => {
    const raw = JSON.stringify(preCreateEvent(h, flagsV1(), 1));
    const body = encode(raw);
    const res = await fetch(`${h.service.url}/api/associations/${id}/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding, 'X-AppConfig-Signature': signatureHeader(h.signingSecretOf(id), body) },
      body,
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: { code: 'unsupported_encoding', message: expect.stringContaining('plain JSON') } });
    expect(await stored()).toBe(0);
  });

  it.each([
    ['the whole body', () => nested(5_000)],
    ['a field of a real event', (h: Harness) => JSON.stringify(preCreateEvent(h, flagsV1(), 1)).replace(/^\{/, `{"Extra":${nested(5_000)},`)],
  ])('an event nested 5,000 levels deep in %s, validly signed → 400, nothing stored, the server still answers', async (_name, make) => {
    const raw = make(h);
    const res = await post(id, raw, undefined);
    expectJsonError(res, 400, 'invalid_json');
    expect(res.body.error.message).toContain('levels deep');
    expect(await stored()).toBe(0);
    expect((await h.api('get', '/api/associations')).status).toBe(200);
  });

  it('a ContentVersion holding a NUL → 400 naming the field, nothing stored', async () => {
    const raw = JSON.stringify({ ...preCreateEvent(h, flagsV1(), 1), ContentVersion: '20a\u0000b' });
    const res = await post(id, raw, undefined);
    expectJsonError(res, 400, 'invalid_event');
    expect(res.body.error.message).toContain('ContentVersion');
    expect(await stored()).toBe(0);
  });

  it('an invalid flag document whose flag key holds a NUL → 400, and its reason is recorded without a raw NUL', async () => {
    const doc = flagsV1() as { flags: Record<string, unknown>; values: Record<string, unknown> };
    doc.flags['bad\u0000key'] = { name: 'Bad' };
    doc.values['bad\u0000key'] = { enabled: true };
    const res = await post(id, JSON.stringify(preCreateEvent(h, doc, 1)), undefined);
    expectJsonError(res, 400, 'invalid_flag_document');
    expect(await stored()).toBe(0);
    const list = await h.api('get', '/api/associations');
    const health = (list.body as { associations: { id: string; health: { lastError: { message: string } | null } }[] }).associations.find((a) => a.id === id)!.health;
    expect(health.lastError?.message).toContain('is not a valid flag key');
    expect(health.lastError?.message).not.toContain('\u0000');
  });

  it('an id holding %00 → 404 without reading the body, nothing stored', async () => {
    const res = await answerBeforeBody(h.service.url, `/api/associations/${id}%00/events`, { 'Content-Type': 'application/json', 'Content-Length': '100000' }, '{');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'association_not_found' } });
    expect(await stored()).toBe(0);
  });

  it('an unknown association → 404, nothing stored', async () => {
    const unknown = crypto.randomUUID();
    const raw = JSON.stringify(preCreateEvent(h, flagsV1(), 1));
    expectJsonError(await post(unknown, raw, signatureHeader('some-secret-of-someone', raw)), 404, 'association_not_found');
    expectJsonError(await post('not-an-association-id', raw, signatureHeader('some-secret-of-someone', raw)), 404, 'association_not_found');
    expect(await stored()).toBe(0);
  });

  it('a removed association → 410, nothing stored', async () => {
    const other = h.aws.addProfile(h.app.id, { name: 'other-flags', type: 'AWS.AppConfig.FeatureFlags' });
    const second = await h.associate({ configurationProfileId: other.id });
    const secret = h.signingSecretOf(second.id);
    const del = await h.api('delete', `/api/associations/${second.id}`);
    expect(del.status).toBe(204);
    const raw = JSON.stringify(preCreateEvent({ app: h.app, profile: other }, flagsV1(), 1));
    const res = await post(second.id, raw, signatureHeader(secret, raw));
    expectJsonError(res, 410, 'association_removed');
    // Unsigned, the same request cannot tell a removed association from one that never existed.
    expectJsonError(await post(second.id, raw, null), 404);
    expect(await stored()).toBe(0);
  });

  it('event types that change nothing in Jira are acknowledged and not kept', async () => {
    const raw = JSON.stringify({ ...deploymentEvent(h, 1), Type: 'OnDeploymentStep' });
    const res = await post(id, raw, undefined);
    expect(res.status).toBe(202);
    expect(await stored()).toBe(0);
  });

  it('a good event → 202 once stored; the same InvocationId again → 200 and still one row, without the signing secret', async () => {
    const secret = h.signingSecretOf(id);
    const event = preCreateEvent(h, flagsV1(), 1);
    event.Parameters = { EventsUrl: `${h.service.config.baseUrl}/api/associations/${id}/events`, SigningSecret: secret };
    const raw = JSON.stringify(event);

    const first = await post(id, raw, undefined);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'accepted' });
    expect(await eventCounts(h.service.db)).toMatchObject({ total: 1, pending: 1 });

    // A redelivery is signed afresh by the forwarder: a new timestamp, the same body.
    const again = await post(id, raw, signatureHeader(secret, raw, now() - 5));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'duplicate', eventId: first.body.eventId });
    expect(await stored()).toBe(1);

    const rows = await h.service.db.sequelize.query<{ payload: string; invocation_id: string; type: string }>(
      'SELECT payload, invocation_id, type FROM events',
      { type: QueryTypes.SELECT },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.invocation_id).toBe(event.InvocationId);
    expect(rows[0]!.type).toBe('PreCreateHostedConfigurationVersion');
    expect(rows[0]!.payload).not.toContain(secret);
    const payload = JSON.parse(rows[0]!.payload) as { Parameters: Record<string, unknown>; Content: string };
    expect(payload.Parameters).not.toHaveProperty('SigningSecret');
    expect(payload.Parameters.EventsUrl).toContain(id);
    expect(payload.Content).toBe(event.Content);
    expect(h.logs()).not.toContain(secret);
  });

  it('after the site uninstalls, its association answers 410 and nothing is stored', async () => {
    const raw = JSON.stringify(preCreateEvent(h, flagsV1(), 9));
    const uninstall = await h.jira.uninstall();
    expect(uninstall.status).toBeLessThan(300);
    expect(await stored()).toBe(0); // the purge took the stored event with it
    expectJsonError(await post(id, raw, signatureHeader(h.signingSecretOf(id), raw)), 410, 'association_removed');
    expect(await stored()).toBe(0);
  });
});

/** PostgreSQL refusing the app's connections, as during a restart or a network cut. */
describe.each(databaseKinds.filter((k) => k === 'postgres'))('event intake while the database is unreachable (%s)', (kind) => {
  let h: Harness;
  let id: string;
  let connections: DatabaseCut;
  const cut = () => connections.cut();
  const restore = () => connections.restore();

  beforeAll(async () => {
    h = await startHarness({ db: kind, worker: false });
    id = (await h.associate()).id;
    connections = databaseCut(h.db.databaseUrl!);
  });
  afterAll(async () => {
    await connections?.restore().catch(() => undefined);
    await h?.close();
  });

  it('answers 503 with Retry-After (which the forwarder retries), then stores the retried event exactly once', async () => {
    const raw = JSON.stringify(preCreateEvent(h, flagsV1(), 1));
    await cut();
    try {
      for (let i = 0; i < 3; i++) {
        const res = await h.sendEvent(id, undefined, { raw });
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
        expect(res.body).toMatchObject({ error: { code: 'database_unavailable' } });
      }
    } finally {
      await restore();
    }
    // The forwarder's retry, signed afresh, once the database is back.
    const retried = await waitFor('the event stored after the outage', async () => {
      const res = await h.sendEvent(id, undefined, { raw });
      return res.status === 202 || res.status === 200 ? res : null;
    }, 10_000, 200);
    expect(retried.status).toBe(202);
    expect(await eventCounts(h.service.db)).toMatchObject({ total: 1, pending: 1 });
    expect(h.logs()).not.toContain('internal_error');
  });

  it('a Connect page (ACE looks the site up before the page is served) is a 503 too, not a 500', async () => {
    const page = new URL(h.jira.pageUrl(h.service.url, '/configure', h.jira.adminAccountId));
    await cut();
    try {
      const res = await fetch(page);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      // The page Jira frames says so as a page.
      expect(errorOf(res.headers.get('content-type'), await res.text())).toEqual({ code: 'database_unavailable', asPage: true });
    } finally {
      await restore();
    }
    expect(h.logs()).not.toContain('unexpected error');
  });
});
