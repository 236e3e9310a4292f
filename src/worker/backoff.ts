/**
 * Delay before an event is tried again: Retry-After when Jira gave one (never earlier, with the same
 * small jitter the Jira client adds to it), else jittered exponential backoff.
 */
import { delayForRetryAfter } from '../jira/index.js';

const BASE_MS = 1_000;
const MAX_MS = 15 * 60_000;

export function retryDelayMs(attempts: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return delayForRetryAfter(retryAfterMs, random);
  const jitter = 1 + random() * 0.2; // up to 20 % later, so workers do not stampede
  return Math.ceil(Math.min(MAX_MS, BASE_MS * 2 ** Math.min(attempts, 20)) * jitter);
}
