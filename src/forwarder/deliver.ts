/**
 * One signed POST of an event body to the app, retried with jittered backoff inside a time budget.
 * Runs inside the forwarder Lambda: node built-ins and global fetch only.
 */
import { SIGNATURE_HEADER, signatureHeader } from '../intake/signature.js';

export interface DeliveryOptions {
  /** Total time for every attempt and wait together. */
  budgetMs: number;
  /** Longest single attempt (connect, send, response headers). */
  attemptTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** In [0, 1); drives the backoff jitter. */
  random: () => number;
}

export interface DeliveryOutcome {
  /** delivered: a 2xx; rejected: an answer that retrying cannot change; gave_up: budget spent. */
  outcome: 'delivered' | 'rejected' | 'gave_up';
  /** The last HTTP status received, if any. */
  status?: number;
  attempts: number;
  ms: number;
  /** Why the last attempt failed, without the URL or anything secret: "timeout", "ECONNREFUSED", "status 503". */
  error?: string;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 2_000;
// An attempt with less time than this left cannot realistically succeed: give up instead.
const MIN_ATTEMPT_MS = 100;

type Attempt = { status: number; retryAfterMs?: number } | { error: string };

/** 2xx delivered; 408, 429 and 5xx are worth another try; any other answer is final. */
const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Retry-After as delay-seconds or an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to zero. */
export function backoffMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout';
    const cause = (err as { cause?: { code?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return cause.code;
    return err.name;
  }
  return 'unknown error';
}

async function attemptOnce(url: string, body: string, secret: string, timeoutMs: number, nowMs: number): Promise<Attempt> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        // A fresh timestamp per attempt, so a late retry is not refused as stale.
        [SIGNATURE_HEADER]: signatureHeader(secret, body, Math.floor(nowMs / 1000)),
      },
      body,
      // A redirect would turn the POST into a GET on another URL: treat it as an answer, not follow it.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not needed; release the connection without waiting for it.
    await res.body?.cancel().catch(() => undefined);
    return { status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), nowMs) };
  } catch (err) {
    return { error: describeError(err) };
  }
}

export async function deliver(url: string, body: string, secret: string, opts: DeliveryOptions): Promise<DeliveryOutcome> {
  const started = opts.now();
  const deadline = started + opts.budgetMs;
  let attempts = 0;
  let status: number | undefined;
  let error: string | undefined;
  const done = (outcome: DeliveryOutcome['outcome']): DeliveryOutcome => ({
    outcome,
    ...(status !== undefined ? { status } : {}),
    attempts,
    ms: Math.round(opts.now() - started),
    ...(error !== undefined ? { error } : {}),
  });

  for (;;) {
    const remaining = deadline - opts.now();
    if (remaining < MIN_ATTEMPT_MS) return done('gave_up');
    attempts += 1;
    const result = await attemptOnce(url, body, secret, Math.min(opts.attemptTimeoutMs, remaining), opts.now());
    let waitMs = backoffMs(attempts, opts.random);
    if ('error' in result) {
      error = result.error;
    } else {
      status = result.status;
      if (status >= 200 && status < 300) {
        error = undefined;
        return done('delivered');
      }
      error = `status ${status}`;
      if (!isRetryableStatus(status)) return done('rejected');
      // The app asked for a pause: never retry sooner; if the pause outlasts the budget, stop now.
      if (result.retryAfterMs !== undefined) waitMs = Math.max(waitMs, result.retryAfterMs);
    }
    if (opts.now() + waitMs + MIN_ATTEMPT_MS > deadline) return done('gave_up');
    await opts.sleep(waitMs);
  }
}
