/**
 * When to try a Jira call again. Jira Cloud answers rate limits with 429 (and overload with 503) carrying
 * `Retry-After` (seconds, or an HTTP date) and `X-RateLimit-Reset` (an ISO 8601 timestamp); we never wait less
 * than it asks, and add a little jitter so that many workers do not come back in the same instant.
 */

/** How long the answer asks us to wait, in ms, or undefined when it does not say. */
export function retryAfterFromHeaders(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const trimmed = retryAfter.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null) {
    const trimmed = reset.trim();
    if (/^\d+$/.test(trimmed)) {
      const n = Number(trimmed);
      // Epoch seconds when large, a delay in seconds when small.
      return n > 1e9 ? Math.max(0, n * 1000 - now) : n * 1000;
    }
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return undefined;
}

/**
 * Retry-After plus 0-5 % (at most 1 s) of jitter: never earlier than asked, and hardly later.
 * Within one process the site's RateGate already turns a 429 into one window that every call waits out
 * together, so jitter no longer has to spread this process's own calls (a larger one only made every
 * rate-limited run slower: with 10 % and a 100 ms floor, a 1 s window cost up to 1.1 s). What is left for
 * it to do is keep several processes (workers on other machines) from all coming back in the same
 * millisecond: a few tens of ms between them is enough for that.
 */
export const RETRY_AFTER_JITTER = 0.05;
export const RETRY_AFTER_JITTER_CAP_MS = 1000;
export function delayForRetryAfter(retryAfterMs: number, random: () => number): number {
  const spread = Math.min(RETRY_AFTER_JITTER_CAP_MS, retryAfterMs * RETRY_AFTER_JITTER);
  return retryAfterMs + Math.floor(random() * spread);
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

/** "Equal jitter" exponential backoff: half fixed, half random, doubling per attempt (attempt counts from 1). */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Sleeps at least `ms` by the wall clock. A timer may fire a millisecond before Date.now() says it is due
 * (timers and Date.now() round differently); Retry-After must never be cut short, so it sleeps on.
 */
export async function realSleep(ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (let left = ms; left > 0; left = end - Date.now()) {
    await new Promise((resolve) => setTimeout(resolve, left));
  }
}
