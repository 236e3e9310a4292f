/**
 * One Jira site's Retry-After window, shared by every client of that site in this process.
 *
 * Jira Cloud rate-limits per site (tenant), not per request: when it answers 429 (or 503) with Retry-After,
 * every call to that site made before the window has passed counts against the same exhausted budget and
 * earns another 429. So a 429 closes the site's gate, and no attempt of any call (any association, the
 * configuration pages too) is STARTED until it opens. Requests already in flight are not affected: they
 * were sent before we knew, and their own 429s, if any, only push the window further.
 */
import { realSleep } from './retry.js';

export interface RateGateOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class RateGate {
  private openAt = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: RateGateOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
  }

  /** Keep the gate closed until `at` (epoch ms); a later window never shortens an earlier one. Returns when it opens. */
  closeUntil(at: number): number {
    if (at > this.openAt) this.openAt = at;
    return this.openAt;
  }

  /** Keep the gate closed for `ms` from now (or longer, if it already is). Returns the end of this window. */
  closeFor(ms: number): number {
    const at = this.now() + ms;
    this.closeUntil(at);
    return at;
  }

  /** How long the gate stays closed from now, in ms (0 when open). */
  remainingMs(): number {
    return Math.max(0, this.openAt - this.now());
  }

  /**
   * Resolves once the gate is open. `waitedUntil` is a deadline the caller has already slept out (a call
   * that waited for its own 429): it is not slept again, only a window that grew beyond it is.
   */
  async wait(waitedUntil = 0): Promise<void> {
    for (;;) {
      const until = this.openAt;
      if (until <= waitedUntil) return;
      const ms = until - this.now();
      if (ms <= 0) return;
      await this.sleep(ms);
      waitedUntil = until;
    }
  }

  /** Opens the gate now: for a test that lets time pass without waiting, or an operator who knows better. */
  reopen(): void {
    this.openAt = 0;
  }
}

const gates = new Map<string, RateGate>();

/**
 * The gate of the Jira site at `baseUrl`, one per process. A site's gate is a few numbers; sites are few
 * (one per installed tenant), so the map is never pruned.
 */
export function rateGateFor(baseUrl: string): RateGate {
  const key = baseUrl.replace(/\/+$/, '').toLowerCase();
  let gate = gates.get(key);
  if (!gate) {
    gate = new RateGate();
    gates.set(key, gate);
  }
  return gate;
}
