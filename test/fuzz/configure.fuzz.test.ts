/**
 * A fuzz of the Configure API as an authenticated site admin: 1,000 mutated requests (bodies with
 * hostile values, missing and extra fields, wrong types, deep nesting, NULs, huge strings, broken JSON,
 * bad encodings; hostile query strings and path parameters) across its routes. Zero 5xx, every request
 * answered within a bound, our JSON error on every refusal, no secret in any answer, and a refused or
 * dry-run request changes nothing: no association row, no AWS extension association, no Jira write.
 * Rerun a failure with FUZZ_SEED=<seed>.
 */
import crypto from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { associationForm, KEYS, startHarness, TEST_OPERATOR_KEY, type Harness } from '../support/harness.js';
import { deepArrays, deepArrayText, fuzzSeed, mutateBytes, mutateJson, nastyValue, seededRandom, toJsonText } from '../support/fuzz.js';

const REQUESTS = 1000;
const ANSWER_BOUND_MS = 30_000;
/** A session token as the admin would paste one: it must never come back in an answer. */
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEFUZZSESSIONTOKENdoNotEchoMe0123456789abcdefABCDEF';

interface Req {
  n: number;
  what: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: Buffer;
  headers: Record<string, string>;
  /** Allowed to change something when answered 2xx. */
  mayChange: boolean;
}

describe.each(databaseKinds)('Configure API fuzz (%s)', (kind) => {
  const seed = fuzzSeed();
  const rng = seededRandom(seed);
  const tag = `FUZZ_SEED=${seed} (${kind})`;
  let h: Harness;
  let id: string;
  const failures: string[] = [];
  const statuses = new Map<string, number>();

  beforeAll(async () => {
    console.info(`[configure fuzz] ${tag}`);
    h = await startHarness({ db: kind });
    id = (await h.associate()).id;
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const form = () => associationForm(h);
  const keysForm = () => ({ region: form().region, accessKeyId: KEYS.full.accessKeyId, secretAccessKey: KEYS.full.secretAccessKey });
  const mutatedBody = (base: Record<string, unknown>) => {
    if (rng.chance(0.1)) base.sessionToken = SESSION_TOKEN;
    const rounds = 1 + rng.int(3);
    let value: unknown = base;
    const whats: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const m = mutateJson(value, rng, rng.chance(0.005));
      value = m.value;
      whats.push(m.what);
    }
    return { body: Buffer.from(toJsonText(value), 'utf8'), what: whats.join(', ') };
  };

  /** Inputs earlier runs of this fuzz (and the review) found, replayed first on every run. */
  const knownCases = (): Req[] => {
    const json = { 'content-type': 'application/json' };
    const post = (what: string, path: string, body: unknown): Req => ({ n: -1, what, method: 'POST', path, body: Buffer.from(toJsonText(body)), headers: json, mayChange: false });
    return [
      post('applicationId with lone surrogates (the SDK threw URIError: 502)', '/api/aws/configuration-profiles', { ...keysForm(), applicationId: '\udfff\ud800' }),
      post('configurationProfileId with a lone surrogate', '/api/associations?dryRun=true', { ...form(), configurationProfileId: 'x\ud800' }),
      post('extensionIdentifier with a lone surrogate', '/api/associations?dryRun=true', { ...form(), extensionIdentifier: '\udc00' }),
      post('a 2,048-character session token (the SDK threw before any call: 502)', '/api/associations?dryRun=true', { ...form(), sessionToken: 'A'.repeat(2048) }),
      post('a NUL in the application', '/api/associations?dryRun=true', { ...form(), applicationId: 'shop\u0000' }),
      post('a NUL in the project key', '/api/associations', { ...form(), projectKey: 'FLAG\u0000' }),
      post('5,000 nested arrays as the applicationId', '/api/aws/configuration-profiles', { ...keysForm(), applicationId: deepArrays(5000) }),
    ];
  };

  function makeRequest(n: number): Req {
    const known = knownCases();
    if (n < known.length) return { ...known[n]!, n };
    const json = { 'content-type': 'application/json' };
    const pick = rng.int(100);
    if (pick < 40) {
      const m = mutatedBody(form());
      return { n, what: `dry run, ${m.what}`, method: 'POST', path: `/api/associations?dryRun=${rng.pick(['true', '1'])}`, body: m.body, headers: json, mayChange: false };
    }
    if (pick < 52) {
      const m = mutatedBody(form());
      return { n, what: `save, ${m.what}`, method: 'POST', path: '/api/associations', body: m.body, headers: json, mayChange: true };
    }
    if (pick < 67) {
      const m = mutatedBody(keysForm());
      return { n, what: `applications, ${m.what}`, method: 'POST', path: '/api/aws/applications', body: m.body, headers: json, mayChange: false };
    }
    if (pick < 77) {
      const m = mutatedBody({ ...keysForm(), applicationId: h.app.id });
      return { n, what: `profiles, ${m.what}`, method: 'POST', path: '/api/aws/configuration-profiles', body: m.body, headers: json, mayChange: false };
    }
    // Lone surrogates cannot be percent-encoded: send them as U+FFFD, as a browser would.
    const nastyText = () => {
      const v = nastyValue(rng);
      return Buffer.from(typeof v === 'string' ? v : toJsonText(v), 'utf8').toString('utf8');
    };
    if (pick < 82) {
      const q = encodeURIComponent(nastyText()).slice(0, 8000);
      return { n, what: 'project search query', method: 'GET', path: `/api/jira/projects?query=${q}`, headers: {}, mayChange: false };
    }
    if (pick < 87) {
      const key = rng.chance(0.2) ? rng.pick(['%zz', '%00', '..%2F..%2Fsecret', '%E0%A4%A']) : encodeURIComponent(nastyText()).slice(0, 8000);
      return { n, what: 'project issue types', method: 'GET', path: `/api/jira/projects/${key}/issue-types`, headers: {}, mayChange: false };
    }
    if (pick < 91) {
      const target = rng.pick([crypto.randomUUID(), `${id}%00`, id.toUpperCase(), encodeURIComponent(nastyText()).slice(0, 5000) || 'x']);
      return { n, what: 'delete an association that is not one', method: 'DELETE', path: `/api/associations/${target}`, headers: {}, mayChange: false };
    }
    // Whole bodies that are not a form: broken bytes, other JSON values, deep nesting, wrong headers.
    const raw = Buffer.from(JSON.stringify(form()), 'utf8');
    const variant = rng.int(4);
    if (variant === 0) {
      const m = mutateBytes(raw, rng);
      return { n, what: `save, body ${m.what}`, method: 'POST', path: '/api/associations?dryRun=true', body: m.body, headers: json, mayChange: false };
    }
    if (variant === 1) {
      return { n, what: 'save, 5,000 nested arrays', method: 'POST', path: '/api/associations', body: Buffer.from(deepArrayText(5000)), headers: json, mayChange: false };
    }
    if (variant === 2) {
      const encoding = rng.pick(['gzip', 'deflate', 'br', 'identity, gzip']);
      return { n, what: `save, Content-Encoding ${encoding} on plain JSON`, method: 'POST', path: '/api/associations?dryRun=true', body: raw, headers: { ...json, 'content-encoding': encoding }, mayChange: false };
    }
    const type = rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/json; charset=ebcdic', 'multipart/form-data; boundary=zz']);
    return { n, what: `save, Content-Type ${type}`, method: 'POST', path: '/api/associations?dryRun=true', body: raw, headers: { 'content-type': type }, mayChange: false };
  }

  /** What a request could change: association rows, AWS's extension associations, Jira writes. */
  async function state() {
    const rows = await h.service.db.sequelize.query<Record<string, unknown>>('SELECT * FROM associations ORDER BY id', { type: QueryTypes.SELECT });
    const jiraWrites = h.jira.requests.filter((r) => r.method !== 'GET' && !/\/search\/jql$|\/permissions\/check$/.test(r.path)).length;
    return { rows: JSON.stringify(rows), aws: JSON.stringify(h.aws.extensionAssociations()), jiraWrites };
  }

  it(`${REQUESTS} mutated requests as a site admin: zero 5xx, zero hangs, JSON errors, no secret echoed, refusals change nothing`, async () => {
    const secrets = [KEYS.full.secretAccessKey, KEYS.basic.secretAccessKey, KEYS.readOnly.secretAccessKey, SESSION_TOKEN, TEST_OPERATOR_KEY, h.jira.sharedSecret, h.signingSecretOf(id)];
    for (let n = 0; n < REQUESTS; n++) {
      let req: Req;
      try {
        req = makeRequest(n);
      } catch (err) {
        failures.push(`#${n}: the generator failed: ${(err as Error).message}`);
        continue;
      }
      const before = await state();
      let status: number | string;
      let text = '';
      let headerText = '';
      try {
        const res = await fetch(`${h.service.url}${req.path}`, {
          method: req.method,
          body: req.body,
          headers: { ...req.headers, Authorization: `JWT ${h.jira.contextJwt(h.jira.adminAccountId)}` },
          signal: AbortSignal.timeout(ANSWER_BOUND_MS),
        });
        status = res.status;
        text = await res.text();
        headerText = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        status = e.name === 'TimeoutError' ? 'hang' : `network error ${e.cause?.code ?? e.name}`;
      }
      statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
      const label = `#${n} ${req.method} ${req.path.slice(0, 70)} [${req.what.slice(0, 160)}] → ${status} ${text.slice(0, 200)}`;
      if (typeof status !== 'number' || status >= 500) failures.push(`5xx or no answer: ${label}`);
      else if (status >= 400 && !/^\{"error":\{"code":"[a-z_]+","message":"/.test(text)) failures.push(`not our JSON error: ${label}`);
      const leaked = secrets.find((s) => text.includes(s) || headerText.includes(s) || text.includes(s.slice(0, 16)));
      if (leaked) failures.push(`secret in the answer (${leaked.slice(0, 4)}…): ${label}`);
      const refused = typeof status !== 'number' || status >= 300 || !req.mayChange;
      if (refused) {
        const after = await state();
        if (after.rows !== before.rows) failures.push(`association rows changed: ${label}`);
        if (after.aws !== before.aws) failures.push(`AWS extension associations changed: ${label}`);
        if (after.jiraWrites !== before.jiraWrites) failures.push(`Jira written: ${label}`);
      }
    }
    console.info(`[configure fuzz] ${tag}: answers ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(failures.slice(0, 30), `${tag}: ${failures.length} failures`).toEqual([]);
  }, 600_000);

  it('the site still works afterwards: its association is listed and healthy', async () => {
    const list = await h.api('get', '/api/associations');
    expect(list.status).toBe(200);
    expect((list.body as { associations: { id: string }[] }).associations.map((a) => a.id)).toContain(id);
    expect(h.logs()).not.toContain(KEYS.full.secretAccessKey);
    expect(h.logs()).not.toContain(SESSION_TOKEN);
  });
});
