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

/** Retry-After plus up to 10% (100 ms..1 s) of jitter: never earlier than asked. */
export function delayForRetryAfter(retryAfterMs: number, random: () => number): number {
  const spread = Math.min(1000, Math.max(100, retryAfterMs * 0.1));
  return retryAfterMs + Math.floor(random() * spread);
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

/** "Equal jitter" exponential backoff: half fixed, half random, doubling per attempt (attempt counts from 1). */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
