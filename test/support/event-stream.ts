/**
 * Streams of signed events as the forwarder sends them, and the exact Jira state they must leave.
 *
 * A stream belongs to one association. Event 0 saves a document of FLAGS flags; event v (v >= 1) saves
 * the next version, in which exactly one flag (v mod FLAGS) changes its `limit` to v. So whatever
 * happens on the way (kills, outages, retries), the end state is known exactly: each flag has one issue
 * whose comments name, in order, every version that changed it, once each.
 *
 * Delivery follows the forwarder's rules (src/forwarder/deliver.ts): a fresh signature per attempt;
 * 2xx delivered; 408, 429, 5xx and network errors retried after the forwarder's backoff or the app's
 * Retry-After; any other answer final. Every attempt is recorded, so a test can say what the app
 * answered while it was being killed or cut off from its database.
 */
import { signatureHeader, SIGNATURE_HEADER } from '../../src/intake/signature.js';
import { backoffMs, parseRetryAfter } from '../../src/forwarder/deliver.js';
import type { JiraDouble } from '../doubles/jira/index.js';
import { preCreateEvent, type EventTarget } from './events.js';
import { issuesByFlag } from './pipeline-kit.js';
import { sleep } from './wait.js';

export const FLAGS = 5;

const flagKey = (j: number) => `stream_flag_${j}`;
/** The description of version v, as it appears in its change comments. */
export const versionTag = (v: number) => `[ev-${v}]`;

/** The document saved as version v of a stream. */
export function streamDocument(v: number): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  for (let j = 0; j < FLAGS; j++) {
    // The last version <= v that changed flag j (version k >= 1 changes flag k mod FLAGS), else 0.
    const last = v - ((((v - j) % FLAGS) + FLAGS) % FLAGS);
    flags[flagKey(j)] = { name: `Stream flag ${j}`, attributes: { limit: { constraints: { type: 'number', minimum: 0 } } } };
    values[flagKey(j)] = { enabled: true, limit: last >= 1 ? last : 0 };
  }
  return { version: '1', flags, values };
}

export function streamEvent(target: EventTarget, v: number): Record<string, unknown> {
  return preCreateEvent(target, JSON.stringify(streamDocument(v)), v + 1, { invocationId: `${target.profile.id}-v${v}`, description: versionTag(v) });
}

export type Attempt = { at: number; status: number; retryAfter: string | null; code?: string } | { at: number; error: string };

export interface Delivery {
  version: number;
  attempts: Attempt[];
  /** The answer that ended the delivery (2xx, or a final refusal); undefined when it gave up. */
  final?: { status: number; code?: string };
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

export interface DeliverOptions {
  /** Longest single attempt; longer counts as a hang. */
  attemptTimeoutMs?: number;
  /** Total time before giving up (longer than the forwarder's own budget: it stands for AppConfig retrying too). */
  budgetMs?: number;
}

/** One event delivered as the forwarder does it, every attempt recorded. */
export async function deliverRecorded(url: () => string, path: string, raw: string, secret: string, opts: DeliverOptions = {}): Promise<Omit<Delivery, 'version'>> {
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? 15_000;
  const deadline = Date.now() + (opts.budgetMs ?? 90_000);
  const attempts: Attempt[] = [];
  for (let n = 1; ; n++) {
    const at = Date.now();
    let wait = backoffMs(n, Math.random);
    try {
      const res = await fetch(`${url()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(secret, raw) },
        body: raw,
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
      const text = await res.text();
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
      const retryAfter = res.headers.get('retry-after');
      attempts.push({ at, status: res.status, retryAfter, ...(code ? { code } : {}) });
      if (!retryable(res.status)) return { attempts, final: { status: res.status, ...(code ? { code } : {}) } };
      wait = Math.max(wait, parseRetryAfter(retryAfter, Date.now()) ?? 0);
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      attempts.push({ at, error: e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.name) });
    }
    if (Date.now() + wait > deadline) return { attempts };
    await sleep(wait);
  }
}

export interface StreamOptions extends DeliverOptions {
  /** Where the app is now (its URL can change across restarts). */
  url: () => string;
  associationId: string;
  secret: string;
  target: EventTarget;
  count: number;
  /** Pause between events (after each is delivered). */
  pauseMs?: number;
  /** Called after each delivered event. */
  onDelivered?: (d: Delivery) => void;
}

/** Delivers versions 0..count-1 in order, each once it has an answer (as AppConfig saves one after another). */
export async function runStream(opts: StreamOptions): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (let v = 0; v < opts.count; v++) {
    const raw = JSON.stringify(streamEvent(opts.target, v));
    const d: Delivery = { version: v, ...(await deliverRecorded(opts.url, `/api/associations/${opts.associationId}/events`, raw, opts.secret, opts)) };
    out.push(d);
    if (!d.final || d.final.status >= 300) {
      throw new Error(`event v${v} of ${opts.associationId} was not delivered: ${JSON.stringify(d.attempts.slice(-5))}`);
    }
    opts.onDelivered?.(d);
    if (opts.pauseMs) await sleep(opts.pauseMs);
  }
  return out;
}

/**
 * The Jira state `count` events of a stream must leave, checked exactly: one issue per flag; each
 * issue's comments name, in order and once each, the versions that changed its flag; its description
 * shows the last value. Returns a list of differences (empty when exact), for a readable failure.
 */
export function differencesFromExpected(jira: JiraDouble, target: EventTarget, count: number): string[] {
  const problems: string[] = [];
  let issues;
  try {
    issues = issuesByFlag(jira, target.profile.id);
  } catch (err) {
    return [(err as Error).message];
  }
  if (issues.size !== FLAGS) problems.push(`${target.profile.id}: ${issues.size} flag issues, expected ${FLAGS}`);
  const finalDoc = streamDocument(count - 1) as { values: Record<string, { limit: number }> };
  for (let j = 0; j < FLAGS; j++) {
    const issue = issues.get(flagKey(j));
    if (!issue) {
      problems.push(`${target.profile.id}: no issue for ${flagKey(j)}`);
      continue;
    }
    const expected: string[] = [];
    for (let v = 1; v < count; v++) if (v % FLAGS === j) expected.push(versionTag(v));
    const got = issue.comments.map((c) => /\[ev-\d+\]/.exec(c.text)?.[0] ?? `(comment without a version: ${c.text.slice(0, 80)})`);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      const counts = new Map<string, number>();
      for (const g of got) counts.set(g, (counts.get(g) ?? 0) + 1);
      const twice = [...counts].filter(([, n]) => n > 1).map(([t]) => t);
      const missing = expected.filter((t) => !counts.has(t));
      problems.push(
        `${target.profile.id} ${issue.key} (${flagKey(j)}): ${got.length} comments, expected ${expected.length}; ` +
          `twice: ${twice.slice(0, 10).join(' ') || 'none'}; missing: ${missing.slice(0, 10).join(' ') || 'none'}; ` +
          `out of order: ${twice.length === 0 && missing.length === 0 ? 'yes' : 'n/a'}`,
      );
    }
    const limit = finalDoc.values[flagKey(j)]!.limit;
    // The description's attribute table: a cell per line.
    if (!issue.descriptionText.includes(`\nlimit\n${limit}\n`)) {
      problems.push(`${issue.key} (${flagKey(j)}): the description does not show limit ${limit}`);
    }
  }
  return problems;
}
