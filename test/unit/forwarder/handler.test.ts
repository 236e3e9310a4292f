import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, parseRetryAfter } from '../../../src/forwarder/deliver.js';
import { createHandler, type ForwarderLogLine, type ForwarderOptions } from '../../../src/forwarder/handler.js';
import { ASYNC_DELIVERY_BUDGET_MS, DELIVERY_BUDGET_MS, FUNCTION_TIMEOUT_SECONDS, REMOVAL_BUDGET_MS } from '../../../src/forwarder/limits.js';
import { SIGNATURE_HEADER, verifySignature } from '../../../src/intake/signature.js';
import { fixtureJson } from '../../support/fixtures.js';
import { startIntake, unreachableUrl, type IntakeDouble, type Reply } from './server.js';

const SECRET = 'fwd-secret-7d3e9a1b5c';
const preCreate = fixtureJson('event-pre-create.json');
const deploymentComplete = fixtureJson('event-deployment-complete.json');

/** The fixture, pointed at `url` with the test secret, as AppConfig would deliver it. */
const eventFor = (base: Record<string, unknown>, url: string, secret = SECRET) => ({
  ...base,
  Parameters: { EventsUrl: url, SigningSecret: secret },
});
/** What the forwarder posts for `event`: the event, its SigningSecret left out (it signs the body instead). */
const sent = (event: ReturnType<typeof eventFor>) => ({ ...event, Parameters: { EventsUrl: event.Parameters.EventsUrl } });

let intake: IntakeDouble | undefined;
afterEach(async () => {
  await intake?.close();
  intake = undefined;
});

/** A handler whose logs and waits the test can see; waits are skipped unless `realSleep`. */
function harness(options: ForwarderOptions & { realSleep?: boolean } = {}) {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const { realSleep, ...rest } = options;
  const handler = createHandler({
    random: () => 0.5,
    log: (line) => lines.push(line),
    ...(realSleep ? {} : { sleep: async (ms: number) => void sleeps.push(ms) }),
    ...rest,
  });
  const logged = () => lines.map((line) => JSON.parse(line) as ForwarderLogLine);
  return { handler, lines, sleeps, logged };
}

async function serve(replies: Reply[]) {
  intake = await startIntake(replies);
  return intake;
}

function expectNoSecretsIn(lines: string[], event: Record<string, unknown>) {
  const text = lines.join('\n');
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('v1=');
  expect(text.toLowerCase()).not.toContain(SIGNATURE_HEADER);
  if (typeof event.Content === 'string') expect(text).not.toContain(event.Content.slice(0, 40));
}

describe('forwarder handler: delivery', () => {
  it.each([
    ['PreCreateHostedConfigurationVersion', preCreate],
    ['OnDeploymentComplete', deploymentComplete],
  ])('posts the %s event unchanged but for its SigningSecret, signed so that the app verifier accepts it', async (_type, base) => {
    const server = await serve([{ status: 202 }]);
    const event = eventFor(base, server.url);
    const { handler, lines, logged } = harness();

    const result = await handler(event);

    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/api/associations/assoc-1/events');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body.equals(Buffer.from(JSON.stringify(sent(event))))).toBe(true);
    expect(request?.body.toString()).not.toContain(SECRET);
    const header = request?.headers[SIGNATURE_HEADER];
    expect(typeof header).toBe('string');
    expect(verifySignature(SECRET, request?.body ?? Buffer.alloc(0), header as string).ok).toBe(true);
    expect(verifySignature('another-secret', request?.body ?? Buffer.alloc(0), header as string)).toEqual({ ok: false, reason: 'mismatch' });

    expect(result).toEqual({});
    expect(logged()).toEqual([
      expect.objectContaining({ level: 'info', outcome: 'delivered', type: base.Type, invocationId: base.InvocationId, status: 202, attempts: 1 }),
    ]);
    expectNoSecretsIn(lines, event);
  });

  it('never returns Content for a PRE_* event, so AppConfig keeps the saved document as it is', async () => {
    const server = await serve([{ status: 202, headers: { 'content-type': 'application/json' }, body: '{"Content":"eyJ4IjoxfQ=="}' }]);
    const { handler } = harness();
    const result = await handler(eventFor(preCreate, server.url));
    expect(result).toEqual({});
    expect(result).not.toHaveProperty('Content');
    expect(result).not.toHaveProperty('Error');
  });

  it('counts a 200 (an event the app already has) as delivered, with no retry', async () => {
    const server = await serve([{ status: 200 }]);
    const { handler, logged } = harness();
    await handler(eventFor(deploymentComplete, server.url));
    expect(server.received).toHaveLength(1);
    expect(logged()[0]).toMatchObject({ outcome: 'delivered', status: 200, attempts: 1 });
  });
});

describe('forwarder handler: retries', () => {
  it('retries a 500 and then delivers, signing each attempt afresh', async () => {
    const server = await serve([{ status: 500 }, { status: 503 }, { status: 202 }]);
    const event = eventFor(deploymentComplete, server.url);
    const { handler, sleeps, logged } = harness();
    expect(await handler(event)).toEqual({});
    expect(server.received).toHaveLength(3);
    for (const request of server.received) {
      expect(request.body.toString()).toBe(JSON.stringify(sent(event)));
      expect(verifySignature(SECRET, request.body, request.headers[SIGNATURE_HEADER] as string).ok).toBe(true);
    }
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0] ?? Infinity);
    expect(logged()).toEqual([expect.objectContaining({ outcome: 'delivered', status: 202, attempts: 3 })]);
  });

  it.each([408, 429, 502])('retries a %i', async (status) => {
    const server = await serve([{ status }, { status: 202 }]);
    const { handler, logged } = harness();
    await handler(eventFor(deploymentComplete, server.url));
    expect(server.received).toHaveLength(2);
    expect(logged()[0]).toMatchObject({ outcome: 'delivered', attempts: 2 });
  });

  it('waits as long as Retry-After asks when the budget allows', async () => {
    const server = await serve([{ status: 429, headers: { 'retry-after': '2' } }, { status: 202 }]);
    const { handler, sleeps } = harness({ budgetMs: 5_000 });
    await handler(eventFor(deploymentComplete, server.url));
    expect(sleeps).toEqual([2_000]);
    expect(server.received).toHaveLength(2);
  });

  it('gives up at once when Retry-After outlasts the budget, instead of retrying early', async () => {
    const server = await serve([{ status: 503, headers: { 'retry-after': '3600' } }, { status: 202 }]);
    const { handler, sleeps, logged } = harness({ budgetMs: 5_000 });
    expect(await handler(eventFor(preCreate, server.url))).toEqual({});
    expect(server.received).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(logged()[0]).toMatchObject({ level: 'warn', outcome: 'gave_up', status: 503, attempts: 1, error: 'status 503' });
  });

  it('keeps retrying a failing app until the budget is spent, then gives up without throwing (a save waits on it)', async () => {
    const server = await serve([{ status: 500 }]);
    const { handler, logged } = harness({ budgetMs: 1_200, attemptTimeoutMs: 500, realSleep: true });
    const started = Date.now();
    expect(await handler(eventFor(preCreate, server.url))).toEqual({});
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThanOrEqual(1_200 + 300);
    expect(server.received.length).toBeGreaterThanOrEqual(3);
    expect(logged()[0]).toMatchObject({ outcome: 'gave_up', status: 500, attempts: server.received.length });
  });

  it('times out an app that never answers, retries, and gives up within its budget', async () => {
    const server = await serve(['hang']);
    const { handler, lines, logged } = harness({ budgetMs: 1_500, attemptTimeoutMs: 400, realSleep: true });
    const event = eventFor(preCreate, server.url);
    const started = Date.now();
    const result = await handler(event);
    const elapsed = Date.now() - started;
    expect(result).toEqual({});
    expect(elapsed).toBeLessThanOrEqual(1_500 + 300);
    expect(server.received.length).toBeGreaterThanOrEqual(2);
    // Each attempt was cut at the attempt timeout, not left to run into the next one.
    const gaps = server.received.slice(1).map((r, i) => r.at - (server.received[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(400);
    expect(logged()).toEqual([expect.objectContaining({ outcome: 'gave_up', error: 'timeout', attempts: server.received.length })]);
    expect(logged()[0]).not.toHaveProperty('status');
    expectNoSecretsIn(lines, event);
  });

  it('never throws on a save when nothing listens at EventsUrl, and gives up within its budget', async () => {
    const url = await unreachableUrl();
    const { handler, logged } = harness({ budgetMs: 800, attemptTimeoutMs: 300, realSleep: true });
    const started = Date.now();
    expect(await handler(eventFor(preCreate, url))).toEqual({});
    expect(Date.now() - started).toBeLessThanOrEqual(800 + 300);
    expect(logged()[0]).toMatchObject({ outcome: 'gave_up', error: 'ECONNREFUSED', host: new URL(url).host });
    expect(logged()[0]?.attempts).toBeGreaterThanOrEqual(2);
  });
});

describe('forwarder handler: deployments (asynchronous: nobody waits)', () => {
  /** A clock the forwarder's waits move, so minutes of retrying take no time. */
  function fakeClock() {
    let t = 1_000_000;
    return { now: () => t, sleep: async (ms: number) => void (t += ms), elapsed: () => t - 1_000_000 };
  }

  it('keeps trying well past the budget of a save: an app back after 40 s still gets the deployment', async () => {
    // Down for 40 s as the forwarder sees it (a restart, a database failing over), each answer asking for 5 s.
    const server = await serve([...Array<Reply>(8).fill({ status: 503, headers: { 'retry-after': '5' } }), { status: 202 }]);
    const clock = fakeClock();
    const { handler, logged } = harness({ now: clock.now, sleep: clock.sleep });
    expect(await handler(eventFor(deploymentComplete, server.url))).toEqual({});
    expect(server.received).toHaveLength(9);
    expect(clock.elapsed()).toBeGreaterThan(DELIVERY_BUDGET_MS);
    expect(logged()).toEqual([expect.objectContaining({ outcome: 'delivered', status: 202, attempts: 9 })]);
    // The same outage on a save: given up within the save's budget, without an error AppConfig would see.
    const saveClock = fakeClock();
    const save = harness({ now: saveClock.now, sleep: saveClock.sleep });
    server.received.length = 0;
    expect(await save.handler(eventFor(preCreate, server.url))).toEqual({});
    expect(save.logged()[0]).toMatchObject({ outcome: 'gave_up', status: 503 });
    expect(saveClock.elapsed()).toBeLessThanOrEqual(DELIVERY_BUDGET_MS);
  });

  it('fails the invocation when its budget is spent, so that Lambda delivers it again; the log line comes first', async () => {
    const server = await serve([{ status: 503 }]);
    const { handler, lines, logged } = harness({ asyncBudgetMs: 1_000, attemptTimeoutMs: 300, realSleep: true });
    const event = eventFor(deploymentComplete, server.url);
    await expect(handler(event)).rejects.toMatchObject({ name: 'DeliveryFailed' });
    expect(logged()).toEqual([expect.objectContaining({ level: 'warn', outcome: 'gave_up', status: 503, type: 'OnDeploymentComplete' })]);
    expectNoSecretsIn(lines, event);
  });

  it('does not fail the invocation for an answer retrying cannot change (a 4xx)', async () => {
    for (const status of [400, 401, 404]) {
      const server = await serve([{ status }]);
      const { handler } = harness({ asyncBudgetMs: 1_000 });
      expect(await handler(eventFor(deploymentComplete, server.url))).toEqual({});
      await intake?.close();
      intake = undefined;
    }
  });
});

describe('forwarder handler: final answers', () => {
  it.each([400, 401, 404, 410, 413])('gives up at once on a %i and logs it as an error', async (status) => {
    const server = await serve([{ status }, { status: 202 }]);
    const { handler, sleeps, logged } = harness();
    expect(await handler(eventFor(deploymentComplete, server.url))).toEqual({});
    expect(server.received).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(logged()[0]).toEqual(expect.objectContaining({ level: 'error', outcome: 'rejected', status, attempts: 1, error: `status ${status}` }));
    // Only a 410 (association gone) makes the forwarder touch its extension association.
    expect(logged()).toHaveLength(status === 410 ? 2 : 1);
  });

  it('after a 410 without a Lambda context it cannot tell its account: it says so, deletes nothing, and still returns {}', async () => {
    const server = await serve([{ status: 410 }]);
    const { handler, lines, logged } = harness();
    const event = eventFor(preCreate, server.url);
    expect(await handler(event)).toEqual({});
    expect(logged()[1]).toMatchObject({
      level: 'error',
      msg: 'extension association not deleted',
      outcome: 'failed',
      error: 'the function ARN is unknown',
      invocationId: preCreate.InvocationId,
    });
    expectNoSecretsIn(lines, event);
  });

  it('does not follow a redirect (it would turn the POST into a GET elsewhere)', async () => {
    const server = await serve([{ status: 302, headers: { location: '/elsewhere' } }, { status: 202 }]);
    const { handler, logged } = harness();
    await handler(eventFor(deploymentComplete, server.url));
    expect(server.received.map((r) => r.path)).toEqual(['/api/associations/assoc-1/events']);
    expect(logged()[0]).toMatchObject({ outcome: 'rejected', status: 302 });
  });
});

describe('forwarder handler: events it cannot send', () => {
  it.each([
    ['no Parameters', { ...deploymentComplete, Parameters: undefined }, 'the event has no Parameters'],
    ['no EventsUrl', { ...deploymentComplete, Parameters: { SigningSecret: SECRET } }, 'EventsUrl is missing'],
    ['no SigningSecret', { ...deploymentComplete, Parameters: { EventsUrl: 'https://app.example.com/e' } }, 'SigningSecret is missing'],
    ['an EventsUrl that is no URL', { ...deploymentComplete, Parameters: { EventsUrl: 'not a url', SigningSecret: SECRET } }, 'EventsUrl is not a URL'],
    ['a non-http EventsUrl', { ...deploymentComplete, Parameters: { EventsUrl: 'file:///etc/passwd', SigningSecret: SECRET } }, 'EventsUrl is not an http(s) URL'],
    ['a plain-http EventsUrl to another host', { ...deploymentComplete, Parameters: { EventsUrl: 'http://app.example.com/api/associations/a/events', SigningSecret: SECRET } }, 'EventsUrl must be https:// (plain http only to localhost)'],
  ])('logs a misconfigured association (%s) and returns nothing', async (_name, event, error) => {
    const { handler, lines, logged } = harness();
    expect(await handler(event)).toEqual({});
    expect(logged()).toEqual([expect.objectContaining({ level: 'error', outcome: 'misconfigured', attempts: 0, error, invocationId: '9qk2mfa' })]);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it.each([null, undefined, 'text', 42, [1, 2]])('logs an event that is not an object (%s)', async (event) => {
    const { handler, logged } = harness();
    expect(await handler(event)).toEqual({});
    expect(logged()).toEqual([expect.objectContaining({ outcome: 'invalid_event', attempts: 0 })]);
  });

  it('survives a logger that throws', async () => {
    const server = await serve([{ status: 202 }]);
    const handler = createHandler({ log: () => { throw new Error('log sink down'); } });
    await expect(handler(eventFor(deploymentComplete, server.url))).resolves.toEqual({});
    expect(server.received).toHaveLength(1);
  });

  it('clips long event fields in the log', async () => {
    const { handler, logged } = harness();
    await handler({ ...deploymentComplete, InvocationId: 'x'.repeat(1_000), Parameters: {} });
    expect(logged()[0]?.invocationId).toHaveLength(128);
  });
});

describe('retry timing', () => {
  it('backs off exponentially with jitter, capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, () => 0))).toEqual([125, 250, 500, 1000, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, () => 0.999_999))).toEqual([250, 500, 1000, 2000, 2000, 2000].map((v) => expect.closeTo(v, 0)));
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-06-01T12:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('keeps a save short and both budgets well inside the function timeout', () => {
    expect(DELIVERY_BUDGET_MS).toBeLessThanOrEqual(20_000);
    expect(ASYNC_DELIVERY_BUDGET_MS).toBeGreaterThanOrEqual(60_000);
    expect(FUNCTION_TIMEOUT_SECONDS * 1000).toBeGreaterThanOrEqual(Math.max(DELIVERY_BUDGET_MS, ASYNC_DELIVERY_BUDGET_MS) + REMOVAL_BUDGET_MS + 3_000);
  });
});
