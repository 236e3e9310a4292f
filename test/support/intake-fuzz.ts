/**
 * The intake fuzz (intake.fuzz.test.ts on SQLite, intake-postgres.fuzz.test.ts on PostgreSQL), a fuzz
 * of the forwarder's door: 5,000 mutated deliveries, most of them validly signed (so they pass
 * the signature and reach parsing, validation and storage): deep nesting, NULs, huge strings, wrong
 * types, missing and extra fields, broken flag documents, bad byte encodings, bad Content-Encoding,
 * bad and foreign ids, bad signatures. Zero 5xx, every request answered within a bound, no secret in
 * any answer, nothing stored for a refused delivery and nothing written to Jira by intake; afterwards
 * the worker clears every stored event (none holds its queue). Rerun a failure with FUZZ_SEED=<seed>.
 */
import crypto from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../src/intake/signature.js';
import type { DbKind } from './databases.js';
import { startHarness, TEST_OPERATOR_KEY, type Harness } from './harness.js';
import { deploymentEvent, preCreateEvent } from './events.js';
import { flagsV1, flagsV2 } from './fixtures.js';
import { eventCounts } from './pipeline-kit.js';
import { waitFor } from './wait.js';
import { deepArrayText, fuzzSeed, toJsonText, mutateBytes, mutateJson, nastyValue, seededRandom, type Rng } from './fuzz.js';

const DELIVERIES = 5000;
const wellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8');
const IN_FLIGHT = 8;
/** Longer than any legitimate answer: a request still open after this is a hang. */
const ANSWER_BOUND_MS = 20_000;

interface Delivery {
  n: number;
  what: string;
  path: string;
  body: Buffer;
  headers: Record<string, string>;
  invocationId?: string;
}

interface Outcome {
  d: Delivery;
  status: number | string;
  text: string;
  ms: number;
}

/** Defines the intake fuzz for one database kind (run only when `enabled`). */
export function describeIntakeFuzz(kind: DbKind, enabled = true): void {
  describe.runIf(enabled)(`intake fuzz (${kind})`, () => {
    const seed = fuzzSeed();
    const rng = seededRandom(seed);
    const tag = `FUZZ_SEED=${seed} (${kind})`;
    let h: Harness;
    let id: string;
    let removedId: string;
    let removedSecret: string;
    let otherId: string;
    const outcomes: Outcome[] = [];

    beforeAll(async () => {
      console.info(`[intake fuzz] ${tag}`);
      h = await startHarness({ db: kind, worker: false });
      id = (await h.associate()).id;
      const removedProfile = h.aws.addProfile(h.app.id, { name: 'removed-flags', type: 'AWS.AppConfig.FeatureFlags' });
      removedId = (await h.associate({ configurationProfileId: removedProfile.id })).id;
      removedSecret = h.signingSecretOf(removedId);
      expect((await h.api('delete', `/api/associations/${removedId}`)).status).toBe(204);
      const otherProfile = h.aws.addProfile(h.app.id, { name: 'other-flags', type: 'AWS.AppConfig.FeatureFlags' });
      otherId = (await h.associate({ configurationProfileId: otherProfile.id })).id;
      h.jira.clearRequests();
    }, 60_000);
    afterAll(async () => {
      await h?.close();
    });

    /** A valid event with a fresh InvocationId: the seed of every mutation. */
    function baseEvent(n: number): Record<string, unknown> {
      const invocationId = `fz-${n}`;
      return rng.chance(0.7)
        ? preCreateEvent(h, rng.chance(0.5) ? flagsV1() : flagsV2(), 1 + rng.int(50), { invocationId })
        : deploymentEvent(h, 1 + rng.int(50), { invocationId, type: rng.pick(['OnDeploymentStart', 'OnDeploymentComplete', 'OnDeploymentRolledBack'] as const) });
    }

    function mutatedFlagDocument(r: Rng): string {
      const doc = structuredClone(flagsV1());
      const m = mutateJson(doc, r, false);
      const text = r.chance(0.15) ? deepArrayText(5000) : r.chance(0.1) ? '{"version": "1", "flags": ' : toJsonText(m.value);
      return Buffer.from(text, 'utf8').toString('base64');
    }

    function makeDelivery(n: number): Delivery {
      const event = baseEvent(n);
      const secret = h.signingSecretOf(id);
      const sign = (body: Buffer, s = secret, at?: number) => signatureHeader(s, body.toString('utf8'), at);
      const json = (v: unknown) => Buffer.from(toJsonText(v), 'utf8');
      const path = (target = id) => `/api/associations/${target}/events`;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const kindOf = rng.int(100);

      if (kindOf < 45) {
        // A validly signed event with one structural mutation (huge strings allowed now and then).
        const m = mutateJson(event, rng, rng.chance(0.01));
        const body = json(m.value);
        return { n, what: `signed, ${m.what}`, path: path(), body, headers: { ...headers, 'x-appconfig-signature': sign(body) }, invocationId: `fz-${n}` };
      }
      if (kindOf < 60) {
        // A validly signed PreCreate whose flag document (Content) is mutated, or whose version is hostile.
        const pre = preCreateEvent(h, flagsV1(), 1 + rng.int(50), { invocationId: `fz-${n}` });
        if (rng.chance(0.6)) pre.Content = mutatedFlagDocument(rng);
        else pre[rng.pick(['ContentVersion', 'Description', 'InvocationId', 'ContentType'])] = nastyValue(rng);
        const body = json(pre);
        const invocationId = typeof pre.InvocationId === 'string' ? pre.InvocationId : undefined;
        return { n, what: 'signed, hostile Content or version', path: path(), body, headers: { ...headers, 'x-appconfig-signature': sign(body) }, invocationId };
      }
      if (kindOf < 75) {
        // Bytes mangled on the wire, then validly signed.
        const m = mutateBytes(json(event), rng);
        return { n, what: `signed, ${m.what}`, path: path(), body: m.body, headers: { ...headers, 'x-appconfig-signature': sign(m.body) }, invocationId: `fz-${n}` };
      }
      if (kindOf < 83) {
        // Headers: signatures and content headers.
        const body = json(event);
        const variant = rng.int(9);
        const h2: Record<string, string> = { ...headers, 'x-appconfig-signature': sign(body) };
        if (variant === 0) delete h2['x-appconfig-signature'];
        if (variant === 1) h2['x-appconfig-signature'] = sign(body, 'not-the-secret');
        if (variant === 2) h2['x-appconfig-signature'] = sign(body, secret, Math.floor(Date.now() / 1000) - 3600);
        if (variant === 3) h2['x-appconfig-signature'] = rng.pick(['t=,v1=', 't=1,v1=zz', 'v1=' + 'a'.repeat(64), 't=99999999999999999999,v1=00', 'x'.repeat(8000), 't=1,v1=2,t=3']);
        if (variant === 4) h2['content-encoding'] = rng.pick(['gzip', 'deflate', 'br']);
        if (variant === 5) h2['content-type'] = rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=latin1']);
        if (variant === 6) delete h2['content-type'];
        if (variant === 7) h2['x-appconfig-signature'] = `${sign(body)},v1=${'0'.repeat(64)}`;
        if (variant === 8) h2['x-appconfig-signature'] = sign(json({ ...event, Description: 'something else' }));
        return { n, what: `header variant ${variant}`, path: path(), body, headers: h2, invocationId: `fz-${n}` };
      }
      if (kindOf < 93) {
        // Ids: unknown, malformed, removed, another association's with this one's signature.
        const body = json(event);
        const variant = rng.int(7);
        const target = [
          crypto.randomUUID(),
          id.toUpperCase(),
          `${id}%00`,
          'x'.repeat(rng.pick([10, 300, 5000])),
          removedId,
          otherId,
          `${id}%zz`,
        ][variant]!;
        const s = variant === 4 ? removedSecret : secret;
        return { n, what: `id variant ${variant}`, path: path(target), body, headers: { ...headers, 'x-appconfig-signature': sign(body, s) }, invocationId: `fz-${n}` };
      }
      if (kindOf < 99) {
        // The whole body hostile: deep nesting, another JSON type, a lone NUL.
        const body = Buffer.from(rng.pick([deepArrayText(5000), toJsonText({ a: nastyValue(rng) }), '\u0000', 'null', '[]', '{"InvocationId":"\u0000"}']));
        return { n, what: 'hostile body', path: path(), body, headers: { ...headers, 'x-appconfig-signature': sign(body) } };
      }
      // Over the size limit.
      const body = json({ ...event, Padding: 'p'.repeat(5 * 1024 * 1024 + rng.int(1024)) });
      return { n, what: 'over 5 MiB', path: path(), body, headers: { ...headers, 'x-appconfig-signature': sign(body) }, invocationId: `fz-${n}` };
    }

    /** The InvocationId the app will read from the body, as stored (lone surrogates become U+FFFD in UTF-8). */
    function invocationIdIn(body: Buffer): string | undefined {
      try {
        const id = (JSON.parse(body.toString('utf8')) as { InvocationId?: unknown } | null)?.InvocationId;
        return typeof id === 'string' ? wellFormed(id) : undefined;
      } catch {
        return undefined;
      }
    }

    async function send(d: Delivery): Promise<Outcome> {
      const started = Date.now();
      try {
        const res = await fetch(`${h.service.url}${d.path}`, { method: 'POST', headers: d.headers, body: d.body, signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
        return { d, status: res.status, text: await res.text(), ms: Date.now() - started };
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        return { d, status: e.name === 'TimeoutError' ? 'hang' : `network error ${e.cause?.code ?? e.name}`, text: '', ms: Date.now() - started };
      }
    }

    it(`${DELIVERIES} mutated deliveries: zero 5xx, zero hangs, JSON errors, no secret echoed`, async () => {
      let next = 0;
      const generatorErrors: string[] = [];
      const lanes = Array.from({ length: IN_FLIGHT }, async () => {
        while (next < DELIVERIES) {
          const n = next++;
          let d: Delivery;
          try {
            d = makeDelivery(n);
          } catch (err) {
            generatorErrors.push(`#${n}: ${(err as Error).message}`);
            continue;
          }
          d.invocationId = invocationIdIn(d.body);
          outcomes.push(await send(d));
        }
      });
      await Promise.all(lanes);
      expect(generatorErrors, `${tag}: the generator itself failed`).toEqual([]);
      expect(outcomes).toHaveLength(DELIVERIES);

      const statuses = new Map<string, number>();
      for (const o of outcomes) statuses.set(String(o.status), (statuses.get(String(o.status)) ?? 0) + 1);
      console.info(`[intake fuzz] ${tag}: answers ${JSON.stringify(Object.fromEntries(statuses))}`);
      const show = (o: Outcome) => `#${o.d.n} ${o.d.what} ${o.d.path.slice(0, 80)} → ${o.status} ${o.text.slice(0, 160)}`;
      const bad = outcomes.filter((o) => typeof o.status !== 'number' || o.status >= 500);
      expect(bad.map(show), `${tag}: 5xx, hangs or dropped connections`).toEqual([]);
      const notJson = outcomes.filter((o) => (o.status as number) >= 400 && !/^\{"error":\{"code":"[a-z_]+","message":"/.test(o.text));
      expect(notJson.map(show), `${tag}: refusals without our JSON error`).toEqual([]);
      const secrets = [h.signingSecretOf(id), h.signingSecretOf(otherId), removedSecret, TEST_OPERATOR_KEY, h.jira.sharedSecret];
      const leaks = outcomes.filter((o) => secrets.some((s) => o.text.includes(s)));
      expect(leaks.map(show), `${tag}: a secret in an answer`).toEqual([]);
    }, 600_000);

    it('nothing stored for a refused delivery, one row per acknowledged event, and intake wrote nothing to Jira', async () => {
      const rows = (
        await h.service.db.sequelize.query<{ id: number | string; invocation_id: string; association_id: string }>('SELECT id, invocation_id, association_id FROM events', {
          type: QueryTypes.SELECT,
        })
      ).map((r) => ({ ...r, id: Number(r.id), invocation_id: wellFormed(r.invocation_id) }));
      const ok = (o: Outcome) => typeof o.status === 'number' && o.status >= 200 && o.status < 300;
      // Every row is an event some delivery of it was acknowledged for (2xx); none of a refused one.
      const acknowledgedIds = new Set(outcomes.filter(ok).map((o) => o.d.invocationId));
      const refusedOnly = rows.filter((r) => !acknowledgedIds.has(r.invocation_id)).map((r) => {
        const sent = outcomes.filter((o) => o.d.invocationId === r.invocation_id).map((o) => `#${o.d.n} ${o.d.what} → ${o.status} ${o.text.slice(0, 100)}`);
        return `${JSON.stringify(r.invocation_id).slice(0, 60)}: ${sent.join(' | ') || 'no delivery carried this InvocationId'}`;
      });
      expect(refusedOnly, `${tag}: stored although every delivery of it was refused`).toEqual([]);
      // Every 202 "accepted" names its own stored row.
      const acceptedEventIds = outcomes.filter((o) => o.status === 202 && o.text.includes('"accepted"')).map((o) => (JSON.parse(o.text) as { eventId: number }).eventId);
      expect(new Set(acceptedEventIds).size, `${tag}: two 202s for one row`).toBe(acceptedEventIds.length);
      const rowIds = new Set(rows.map((r) => r.id));
      expect(acceptedEventIds.filter((e) => !rowIds.has(e)), `${tag}: a 202 whose event is not stored`).toEqual([]);
      expect(rows.filter((r) => r.association_id !== id), `${tag}: a row for another association`).toEqual([]);
      expect(h.jira.requests.filter((r) => r.method !== 'GET' && !/permissions\/check$/.test(r.path)), `${tag}: Jira writes from intake`).toEqual([]);
    });

    it('the worker then clears every stored event: none holds the queue', async () => {
      const stored = (await eventCounts(h.service.db)).total;
      h.service.worker.start();
      try {
        await waitFor(`the worker to process or set aside ${stored} fuzzed events`, async () => (await eventCounts(h.service.db)).pending === 0, 60_000, 250);
      } catch (err) {
        const pending = await h.service.db.sequelize.query<{ invocation_id: string; attempts: number }>(
          "SELECT invocation_id, attempts FROM events WHERE status = 'pending'",
          { type: QueryTypes.SELECT },
        );
        const byId = new Map(outcomes.map((o) => [o.d.invocationId, o.d.what]));
        const list = pending.map((p) => `${JSON.stringify(p.invocation_id)} (${byId.get(p.invocation_id) ?? '?'}; attempts ${p.attempts})`);
        throw new Error(`${tag}: ${(err as Error).message}; ${list.length} still pending, first: ${list.slice(0, 8).join('; ')}`);
      }
      const list = await h.api('get', '/api/associations');
      expect(list.status).toBe(200);
    }, 150_000);
  });
}
