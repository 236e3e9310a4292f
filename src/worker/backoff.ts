/** Delay before an event is tried again: Retry-After when Jira gave one, else jittered exponential backoff. */
const BASE_MS = 1_000;
const MAX_MS = 15 * 60_000;

export function retryDelayMs(attempts: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const jitter = 1 + random() * 0.2; // never earlier than asked, up to 20% later so workers do not stampede
  if (retryAfterMs !== undefined) return Math.ceil(retryAfterMs * jitter);
  return Math.ceil(Math.min(MAX_MS, BASE_MS * 2 ** Math.min(attempts, 20)) * jitter);
}
