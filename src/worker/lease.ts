/**
 * This worker's lease on one association while it processes its events. A heartbeat keeps the lease
 * while one long Jira call (with its own retries) is under way; before each Jira write `ensure()` also
 * renews it when the last renewal is a third of a lease old, else reads that the lease is still held,
 * and throws LeaseLost once another worker may own the association or it was removed (its row gone):
 * a batch of writes stops at the next call, not at the next renewal seconds later.
 */
import { LeaseLost, type Queue } from '../db/event-queue.js';

export class Lease {
  private readonly renewEveryMs: number;
  private renewedAt = Date.now();
  private lost = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly queue: Queue,
    private readonly associationId: string,
    leaseMs: number,
  ) {
    this.renewEveryMs = Math.max(1000, Math.floor(leaseMs / 3));
  }

  /** Take the lease (false when another worker holds it) and start the heartbeat. */
  async take(): Promise<boolean> {
    if (!(await this.queue.claim(this.associationId))) return false;
    this.renewedAt = Date.now();
    this.heartbeat = setInterval(() => this.renew().catch(() => (this.lost = true)), this.renewEveryMs);
    this.heartbeat.unref?.();
    return true;
  }

  async ensure(): Promise<void> {
    if (this.lost) throw new LeaseLost(this.associationId);
    // Writes run a few at a time: one renewal (or one read) serves those that ask meanwhile.
    if (Date.now() - this.renewedAt >= this.renewEveryMs) {
      this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
      await this.renewing;
      return;
    }
    this.checking ??= this.queue
      .holds(this.associationId)
      .then((held) => {
        if (!held) this.lost = true;
      })
      .finally(() => (this.checking = undefined));
    await this.checking;
    if (this.lost) throw new LeaseLost(this.associationId);
  }

  async release(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.queue.release(this.associationId);
  }

  private async renew(): Promise<void> {
    await this.queue.renew(this.associationId);
    this.renewedAt = Date.now();
  }
}
