/**
 * One timed event: posted to the app, followed in the Jira double, confirmed through the app's API.
 *
 * Wall time = from the moment the event POST is sent to the answer of the first API call
 * (GET /api/associations, the backlog the Configure page shows) that reports the event processed.
 * Polling the API costs the app CPU while it works and, at a slow rate, would add up to one poll
 * interval to every figure; so the bench does not poll while the app works. It watches the Jira double
 * (in this process) answer the writes the event must cause, and only once the last expected write is
 * answered polls the API every 10 ms until it reports the event processed. The figure is therefore
 * late by at most one poll's round trip (a few ms) and never early: the event is confirmed processed by
 * the app itself. The time of the last Jira answer is returned beside it. A slow poll (every 250 ms)
 * runs from the start as a safety net, so an app that makes fewer writes than expected is still seen
 * to finish (and then fails the request-count check).
 */
import { preciseNow, type RecordedRequest } from '../../test/doubles/jira/index.js';
import { sleep } from '../../test/support/wait.js';
import { connectApi, healthOf } from './configure-api.js';
import { signedRequest } from './events.js';
import { watchMemory, type MemoryPeak } from './bench-memory.js';
import type { Stage } from './bench-setup.js';

/** The bench's assumption of how many issue writes for different flags the app runs at once (the app's WRITE_CONCURRENCY). */
export const WRITE_CONCURRENCY = 4;
/** How long the Jira double takes to answer each call in the timed rows. */
export const JIRA_LATENCY_MS = 20;

/** Jira's own time for `calls` writes answering in JIRA_LATENCY_MS, `concurrency` at a time. */
export const floorMs = (calls: number, concurrency = WRITE_CONCURRENCY): number => Math.ceil(calls / concurrency) * JIRA_LATENCY_MS;

// The bench's own API polling makes the app ask Jira who is admin (cached 60 s): not the worker's doing.
export const ADMIN_CHECK = '/rest/api/3/permissions/check';
export const workerCalls = (requests: RecordedRequest[]): RecordedRequest[] => requests.filter((r) => r.path !== ADMIN_CHECK);
export const isBulkCreate = (r: RecordedRequest): boolean => r.method === 'POST' && r.path === '/rest/api/3/issue/bulk';
export const issueEdit = (r: RecordedRequest): string | undefined => (r.method === 'PUT' ? /^\/rest\/api\/3\/issue\/([A-Z]+-\d+)$/.exec(r.path)?.[1] : undefined);
export const isFeatureFlagSubmit = (r: RecordedRequest): boolean => r.method === 'POST' && r.path === '/rest/featureflags/0.1/bulk';
export const isPropertyBulk = (r: RecordedRequest): boolean => r.method === 'POST' && r.path === '/rest/api/3/issue/properties/multi';
const answered2xx = (r: RecordedRequest): boolean => r.status >= 200 && r.status < 300;

export function breakdown(requests: RecordedRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const what = isBulkCreate(r) ? 'bulk create' : issueEdit(r) ? 'edit' : isFeatureFlagSubmit(r) ? 'feature-flag submit' : isPropertyBulk(r) ? 'property bulk' : `${r.method} ${r.path}`;
    const key = r.status === 429 ? `${what} (429)` : what;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
}

export interface EventRun {
  /** POST sent -> the API's answer confirming the event processed. */
  wallMs: number;
  /** POST sent -> the last expected Jira write answered (undefined when fewer were seen). */
  lastExpectedAnswerMs: number | undefined;
  /** How many expected writes were answered 2xx. */
  expectedSeen: number;
  /** Every Jira call recorded during the run, the bench's own admin check left out. */
  requests: RecordedRequest[];
  /** The app's memory above its idle level during the run (when asked and on Linux). */
  memory?: MemoryPeak;
  /** When the POST was sent (preciseNow clock), to place the double's timestamps. */
  t0: number;
}

export interface EventRunOptions {
  /** Which answered Jira calls are the writes this event must cause... */
  expect: (r: RecordedRequest) => boolean;
  /** ...and how many of them (answered 2xx). */
  count: number;
  timeoutMs: number;
  memory?: boolean;
}

async function pollUntilProcessed(stage: Stage, everyMs: number, deadline: number, stop: { done: boolean }): Promise<number | undefined> {
  const api = connectApi(stage.app.url, stage.jwt);
  while (!stop.done) {
    const health = await healthOf(api, stage.associationId);
    const at = preciseNow();
    if (health.failedEvents > 0) throw new Error(`an event failed: ${health.lastError?.message ?? 'no reason recorded'}`);
    if (health.backlog === 0) return at;
    if (at > deadline) throw new Error('the app did not work off its events in time');
    await sleep(everyMs);
  }
  return undefined;
}

/** Posts `event` (signed) to the stage's association and waits, as described above, until it is processed. */
export const runEvent = (stage: Stage, event: unknown, opts: EventRunOptions): Promise<EventRun> => runEvents(stage, [event], opts);

/**
 * Posts `events` (signed beforehand) back to back, each as soon as the one before was answered 202,
 * and waits until the app has processed them all. Wall time from the first POST.
 */
export async function runEvents(stage: Stage, events: unknown[], opts: EventRunOptions): Promise<EventRun> {
  const { jira } = stage;
  const signed = events.map((e) => signedRequest(stage.target, e));
  jira.clearRequests();
  let seen = 0;
  let lastAnswerAt: number | undefined;
  let reached!: () => void;
  const allSeen = new Promise<void>((resolve) => (reached = resolve));
  const unsubscribe = jira.onAnswered((r) => {
    if (!opts.expect(r) || !answered2xx(r)) return;
    seen++;
    if (seen === opts.count) {
      lastAnswerAt = r.answeredAt ?? preciseNow();
      reached();
    }
  });
  if (opts.count === 0) reached();
  const memory = opts.memory ? watchMemory(stage.app.pid) : undefined;
  const t0 = preciseNow();
  const deadline = t0 + opts.timeoutMs;
  const slow = { done: false };
  try {
    for (const { body, headers } of signed) {
      const res = await fetch(stage.target.eventsUrl, { method: 'POST', headers, body });
      const text = await res.text();
      if (res.status !== 202) throw new Error(`the events route answered ${res.status} ${text}`);
    }
    const safetyNet = pollUntilProcessed(stage, 250, deadline, slow);
    const fast = allSeen.then(() => pollUntilProcessed(stage, 10, deadline, slow));
    // The loser of the race may still fail later (the run is over by then): nothing to report.
    safetyNet.catch(() => undefined);
    fast.catch(() => undefined);
    const confirmedAt = await Promise.race([fast, safetyNet.then((at) => at ?? fast)]);
    slow.done = true;
    await Promise.allSettled([safetyNet]);
    const peak = memory?.stop();
    return {
      wallMs: (confirmedAt ?? preciseNow()) - t0,
      lastExpectedAnswerMs: lastAnswerAt === undefined ? undefined : lastAnswerAt - t0,
      expectedSeen: seen,
      requests: workerCalls(jira.requests),
      memory: peak,
      t0,
    };
  } finally {
    slow.done = true;
    unsubscribe();
    memory?.stop();
  }
}
