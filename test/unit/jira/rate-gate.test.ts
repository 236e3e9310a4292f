import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JiraClient, JiraError, RateGate, rateGateFor } from '../../../src/jira/index.js';
import { startJiraDouble, type JiraDouble } from '../../doubles/jira/index.js';

/** A clock that only moves when someone sleeps on it. */
function fakeClock(start = 1_000_000) {
  const clock = { now: start, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}

describe('RateGate: one Retry-After window per Jira site', () => {
  it('lets calls through at once while open', async () => {
    const t = fakeClock();
    const gate = new RateGate(t);
    await gate.wait();
    expect(t.clock.sleeps).toEqual([]);
    expect(gate.remainingMs()).toBe(0);
  });

  it('holds every waiter until the window has passed, not a millisecond less', async () => {
    const t = fakeClock();
    const gate = new RateGate(t);
    gate.closeUntil(t.clock.now + 1000);
    t.clock.now += 300; // a call arriving 300 ms into the window
    await gate.wait();
    expect(t.clock.sleeps).toEqual([700]);
    expect(t.clock.now).toBe(1_001_000);
    expect(gate.remainingMs()).toBe(0);
    await gate.wait();
    expect(t.clock.sleeps).toEqual([700]);
  });

  it('a shorter window never shortens a longer one', () => {
    const t = fakeClock();
    const gate = new RateGate(t);
    expect(gate.closeUntil(t.clock.now + 5000)).toBe(t.clock.now + 5000);
    expect(gate.closeUntil(t.clock.now + 1000)).toBe(t.clock.now + 5000);
    expect(gate.remainingMs()).toBe(5000);
  });

  it('a window that grows while a call waits (an in-flight call got its own 429) is waited out too', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const gate = new RateGate({
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        // While the first sleep runs, another answer pushes the window from 1000 to 1500.
        if (sleeps.length === 1) gate.closeUntil(now + 1500);
        now += ms;
      },
    });
    gate.closeUntil(1000);
    await gate.wait();
    expect(sleeps).toEqual([1000, 500]);
    expect(now).toBe(1500);
  });

  it('does not make a call sleep twice for a window it already slept out itself', async () => {
    const t = fakeClock();
    const gate = new RateGate(t);
    const until = gate.closeUntil(t.clock.now + 1000);
    await gate.wait(until);
    expect(t.clock.sleeps).toEqual([]);
  });

  it('keeps one gate per site in the process, whatever the spelling of its base URL', () => {
    expect(rateGateFor('https://Example.atlassian.net/')).toBe(rateGateFor('https://example.atlassian.net'));
    expect(rateGateFor('https://example.atlassian.net')).not.toBe(rateGateFor('https://other.atlassian.net'));
  });
});

describe('JiraClients of one site sharing its gate, against the Jira double', () => {
  let jira: JiraDouble;
  let sleeps: number[];
  let gate: RateGate;
  let now: number;
  const client = (maxRetryAfterMs?: number) =>
    new JiraClient(jira.tenant(), { gate, maxRetryAfterMs, sleep: async (ms) => void sleeps.push(ms), random: () => 0 });

  beforeAll(async () => {
    jira = await startJiraDouble({ appKey: 'appconfig-flags-test' });
    await new JiraClient(jira.tenant()).createIssue({ project: { key: 'FLAG' }, issueType: { id: '10001' }, summary: 'Seed' });
  });
  afterAll(() => jira.close());
  beforeEach(() => {
    jira.faults.clear();
    jira.clearRequests();
    sleeps = [];
    now = 5_000_000;
    // The gate's clock moves only by its sleeps: the test asserts who waited how long, without waiting.
    gate = new RateGate({ now: () => now, sleep: async (ms) => void ((now += ms), sleeps.push(ms)) });
  });

  it("one client's 429 makes another client of the same site wait before its first request", async () => {
    jira.faults.add({ match: { method: 'PUT' }, status: 429, retryAfter: 2, times: 1 });
    const a = client();
    const b = client();
    await a.editIssue('FLAG-1', { fields: { summary: 'A after 429' } });
    const afterA = jira.requests.length;
    expect(jira.requests.map((r) => r.status)).toEqual([429, 204]);
    // A slept its own 2 s (its own sleep, which leaves the gate's clock alone); B comes 100 ms into the window.
    now += 100;
    await b.getIssue('FLAG-1');
    expect(sleeps.length).toBe(2);
    expect(sleeps[0]).toBe(2000); // A: Retry-After, no jitter with random() = 0
    expect(sleeps[1]).toBe(1900); // B: what was left of the window
    expect(jira.requests.length).toBe(afterA + 1);
  });

  it('a window longer than the client waits in-process: other calls end unsent, with what is left of it', async () => {
    jira.faults.add({ match: { method: 'PUT' }, status: 429, retryAfter: 120, times: 1 });
    const first = (await client().editIssue('FLAG-1', { fields: { summary: 'x' } }).catch((e: unknown) => e)) as JiraError;
    expect(first).toMatchObject({ status: 429, retryAfterMs: 120_000 });
    expect(jira.requests).toHaveLength(1);

    now += 30_000;
    const second = (await client().getIssue('FLAG-1').catch((e: unknown) => e)) as JiraError;
    expect(second).toBeInstanceOf(JiraError);
    expect(second).toMatchObject({ status: 429, retryable: true, ambiguous: false, method: 'GET' });
    expect(second.retryAfterMs).toBe(90_000);
    expect(jira.requests, 'nothing was sent inside the window').toHaveLength(1);
    expect(sleeps).toEqual([]);

    // Once the window has passed (here: reopened, as time passing would), calls go through again.
    gate.reopen();
    expect((await client().getIssue('FLAG-1'))?.key).toBe('FLAG-1');
  });

  it('a call that slept out its own windows is not held again by its own longer, earlier one', async () => {
    jira.faults.add({ status: 503, retryAfter: 1 });
    // Jitter falling from the most to none: the second window ends before the first on a clock that did not move.
    const jitter = [0.99, 0];
    const own = new JiraClient(jira.tenant(), { maxAttempts: 3, sleep: async (ms) => void sleeps.push(ms), random: () => jitter.shift() ?? 0 });
    const err = (await own.getIssue('FLAG-1').catch((e: unknown) => e)) as JiraError;
    expect(err).toMatchObject({ status: 503, attempts: 3 });
    expect(sleeps).toEqual([1049, 1000]);
    expect(jira.requests).toHaveLength(3);
  });

  it('a 500 without Retry-After backs off that call only: the site stays open', async () => {
    jira.faults.add({ match: { method: 'GET' }, status: 500, times: 1 });
    await client().getIssue('FLAG-1');
    expect(gate.remainingMs()).toBe(0);
  });
});
