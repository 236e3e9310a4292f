/**
 * Sync figures against a Jira double answering every call in 20 ms: the first sync of a 1,000-flag
 * document, a version changing 50 flags, and another with a 429 (Retry-After: 1) on every fifth call.
 * Each is checked twice: by the Jira requests the app made, and by what the Jira double now holds.
 */
import type { RecordedRequest } from '../../test/doubles/jira/index.js';
import { connectApi, waitUntilProcessed } from './configure-api.js';
import { preCreateEvent } from '../../test/support/events.js';
import { parametersOf, postEvent } from './events.js';
import { peakRssMb, secs, type Figure } from './figures.js';
import { flagDocument, flagKey, type Changes } from './flag-docs.js';
import type { Stage } from './bench-setup.js';

const FLAGS = 1000;
const JIRA_LATENCY_MS = 20;
const RETRY_AFTER_S = 1;
const FLAG_PROPERTY = 'appconfigFlag';
const V2: Changes = { from: 0, to: 50, base: 100_000 };
const V3: Changes = { from: 50, to: 100, base: 200_000 };

// The bench's own polling of GET /api/associations asks Jira who is admin (cached 60 s): not the worker's doing.
const ADMIN_CHECK = '/rest/api/3/permissions/check';
const workerCalls = (requests: RecordedRequest[]) => requests.filter((r) => r.path !== ADMIN_CHECK);
const isBulkCreate = (r: RecordedRequest) => r.method === 'POST' && r.path === '/rest/api/3/issue/bulk';
const issueEdit = (r: RecordedRequest) => (r.method === 'PUT' ? /^\/rest\/api\/3\/issue\/([A-Z]+-\d+)$/.exec(r.path)?.[1] : undefined);

function breakdown(requests: RecordedRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const what = isBulkCreate(r) ? 'bulk create' : issueEdit(r) ? 'edit' : `${r.method} ${r.path}`;
    const key = r.status === 429 ? `${what} (429)` : what;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
}

/** Posts one saved version and waits until the app has worked it off; returns the wall time in ms. */
async function syncVersion(stage: Stage, version: number, changes: Changes[], timeoutMs: number): Promise<number> {
  const event = preCreateEvent(stage.target, flagDocument(FLAGS, changes), version, { description: `bench version ${version}`, parameters: parametersOf(stage.target) });
  stage.jira.clearRequests();
  const t0 = performance.now();
  const res = await postEvent(stage.target, event);
  if (res.status !== 202) throw new Error(`version ${version}: the events route answered ${res.status} ${JSON.stringify(res.json)}`);
  await waitUntilProcessed(connectApi(stage.app.url, stage.jwt), stage.associationId, timeoutMs);
  return performance.now() - t0;
}

/** flagKey -> the texts of its issue's comments; also whether each flag has exactly one issue. */
function jiraState(stage: Stage): { comments: Map<string, string[]>; oneIssuePerFlag: boolean } {
  const comments = new Map<string, string[]>();
  let duplicates = 0;
  for (const issue of stage.jira.issues()) {
    const key = (issue.properties[FLAG_PROPERTY] as { flagKey?: string } | undefined)?.flagKey ?? '?';
    if (comments.has(key)) duplicates++;
    comments.set(key, issue.comments.map((c) => c.text));
  }
  const all = Array.from({ length: FLAGS }, (_, i) => flagKey(i));
  return { comments, oneIssuePerFlag: duplicates === 0 && comments.size === FLAGS && all.every((k) => comments.has(k)) };
}

/** Flags in `changed` must have gained exactly one comment naming `version`; every other flag none. */
function writesCheck(before: Map<string, string[]>, after: Map<string, string[]>, changed: Changes, version: number) {
  let lost = 0;
  let doubled = 0;
  let stray = 0;
  for (let i = 0; i < FLAGS; i++) {
    const key = flagKey(i);
    const added = (after.get(key) ?? []).slice((before.get(key) ?? []).length);
    const inRange = i >= changed.from && i < changed.to;
    const good = added.filter((t) => t.includes(`configuration version ${version}`) && t.includes(String(changed.base + i))).length;
    if (inRange && good === 0) lost++;
    if (inRange && added.length > 1) doubled++;
    if (!inRange && added.length > 0) stray++;
  }
  return { lost, doubled, stray };
}

export async function syncFigures(stage: Stage, label: string): Promise<Figure[]> {
  const { jira } = stage;
  const figures: Figure[] = [];
  const add = (name: string, value: string, target: string, pass: boolean | null) => figures.push({ stage: label, name, value, target, pass });
  jira.faults.clear();
  jira.faults.add({ delayMs: JIRA_LATENCY_MS });

  // 1. First sync: 1,000 new flags.
  const firstMs = await syncVersion(stage, 1, [], 60_000);
  const peak = await peakRssMb(stage.app.pid);
  const first = workerCalls(jira.requests);
  const afterFirst = jiraState(stage);
  const onlyBulk = first.length === FLAGS / 50 && first.every(isBulkCreate);
  add('first sync of 1,000 flags: Jira requests', `${first.length} (${breakdown(first)}); ${jira.issues().length} issues`, 'exactly 20 bulk creates, nothing else; 1 issue per flag', onlyBulk && afterFirst.oneIssuePerFlag);
  add('first sync of 1,000 flags: wall time', secs(firstMs), '< 10 s', firstMs < 10_000);
  add('first sync: app peak memory (VmHWM)', peak === undefined ? 'n/a (no /proc)' : `${peak.toFixed(0)} MB`, '< 250 MB', peak === undefined ? null : peak < 250);

  // 2. A version changing 50 of those flags.
  const v2Ms = await syncVersion(stage, 2, [V2], 60_000);
  const second = workerCalls(jira.requests);
  const edited = new Set(second.map(issueEdit).filter(Boolean));
  const afterV2 = jiraState(stage);
  const w2 = writesCheck(afterFirst.comments, afterV2.comments, V2, 2);
  const exactly50 = second.length === 50 && edited.size === 50 && second.every((r) => issueEdit(r) && r.status === 204);
  add('50 flags changed: Jira requests', `${second.length} (${breakdown(second)}) on ${edited.size} issues`, 'exactly 50, one per changed flag', exactly50 && w2.lost + w2.doubled + w2.stray === 0);
  add('50 flags changed: wall time', secs(v2Ms), `none set (floor 50 × ${JIRA_LATENCY_MS} ms = 1.00 s)`, null);

  // 3. The same with a 429 (Retry-After: 1) on every fifth Jira call.
  jira.faults.clear();
  jira.faults.add({ match: { path: /^\/rest\/api\/3\/issue/ }, status: 429, retryAfter: RETRY_AFTER_S, everyNth: 5, delayMs: JIRA_LATENCY_MS });
  jira.faults.add({ delayMs: JIRA_LATENCY_MS });
  const v3Ms = await syncVersion(stage, 3, [V2, V3], 120_000);
  jira.faults.clear();
  const third = workerCalls(jira.requests);
  const limited = third.filter((r) => r.status === 429);
  const minimumMs = limited.length * RETRY_AFTER_S * 1000;
  // The next call on the same issue must come at least Retry-After after the 429 was answered.
  const early = limited.filter((r) => {
    const next = third.find((n) => n.time >= r.time && n !== r && n.method === r.method && n.path === r.path);
    return !next || next.time - (r.time + JIRA_LATENCY_MS) < RETRY_AFTER_S * 1000 - 1;
  }).length;
  const w3 = writesCheck(afterV2.comments, jiraState(stage).comments, V3, 3);
  const succeeded = third.filter((r) => issueEdit(r) && r.status === 204);
  const timeOk = limited.length > 0 && early === 0 && v3Ms >= minimumMs && v3Ms <= 2 * minimumMs + 2000;
  add(
    '50 flags changed, 429 every 5th call: time',
    `${secs(v3Ms)} vs minimum ${secs(minimumMs)} (${limited.length} × Retry-After ${RETRY_AFTER_S} s); ${early} early retries`,
    '≥ minimum, no retry before Retry-After, ≤ 2 × minimum + 2 s',
    timeOk,
  );
  add(
    '50 flags changed, 429 every 5th call: writes',
    `${succeeded.length} edits accepted in ${third.length} calls; lost ${w3.lost}, doubled ${w3.doubled}, stray ${w3.stray}`,
    'zero lost or doubled (checked in the Jira double)',
    w3.lost === 0 && w3.doubled === 0 && w3.stray === 0 && succeeded.length === 50,
  );
  return figures;
}
