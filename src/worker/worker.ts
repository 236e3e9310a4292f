/**
 * The background worker: finds associations with due events, owns each through a lease, and processes
 * its events in order. Associations run in parallel (up to `concurrency` per process); any number of
 * processes can share one PostgreSQL database.
 */
import crypto from 'node:crypto';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import type { JiraClient } from '../jira/index.js';
import type { Logger } from '../log.js';
import { runAssociation } from './association-run.js';
import type { CheckedDocuments } from '../events/checked-documents.js';
import { Queue, type EventState } from '../db/event-queue.js';
import { pruneConfigVersions, pruneProcessedEvents } from '../db/retention.js';

export interface WorkerOptions {
  db: Db;
  models: Models;
  log: Logger;
  jiraFor: (clientKey: string, opts?: { beforeRetry?: () => Promise<void> }) => Promise<JiraClient>;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  /** Minimum delay before retrying a write whose answer was lost (see AppConfig.worker.searchLagMs). */
  searchLagMs: number;
  eventRetentionDays: number;
  workerId?: string;
  /** Documents this process's events door already checked (see CheckedDocuments). */
  checkedDocuments?: CheckedDocuments;
}

const PRUNE_EVERY_MS = 60 * 60_000;

export class Worker {
  readonly id: string;
  private readonly queue: Queue;
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private ticking: Promise<void> | undefined;
  private again = false;

  constructor(private readonly opts: WorkerOptions) {
    this.id = opts.workerId ?? `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    this.queue = new Queue(opts.db, this.id, opts.leaseMs);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** New work for an association: look now rather than at the next poll. */
  notify(associationId?: string): void {
    if (this.stopped) return;
    // An association being worked on here reads its queue again until it is empty; and when that run
    // ends, notify() is called without an id, so an event stored at that moment is not left behind.
    if (associationId !== undefined && this.running.has(associationId)) return;
    if (this.ticking) this.again = true;
    else this.schedule(0);
  }

  /** The tenant's work that waited for it (a Forge token expired) may go on now. */
  async resumeTenant(tenantKey: string): Promise<void> {
    await this.queue.makeTenantDue(tenantKey);
    this.notify();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled(this.running.values());
  }

  /** Process everything due now, then return (tests, the demo, the benchmark). */
  async drain(): Promise<void> {
    // A stopped worker's runs return at once, so the loop below would never end.
    if (this.stopped) throw new Error('drain() needs a started worker');
    for (;;) {
      const ids = await this.queue.candidates(this.opts.concurrency);
      const fresh = ids.filter((id) => !this.running.has(id));
      if (fresh.length === 0 && this.running.size === 0) return;
      for (const id of fresh) this.launch(id);
      await Promise.race([...this.running.values()]);
    }
  }

  /** The event's state once it is no longer pending, or still pending after timeoutMs (whichever process works it off). */
  async awaitEvent(eventId: number, timeoutMs: number): Promise<EventState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.queue.state(eventId);
      if (state.status !== 'pending' || Date.now() >= deadline) return state;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        if (this.stopped) return;
        const soon = this.again;
        this.again = false;
        this.schedule(soon ? 0 : this.opts.pollMs);
      });
    }, ms);
    this.timer.unref?.();
  }

  private lastPrune = 0;

  private async tick(): Promise<void> {
    try {
      if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = Date.now();
        const pruned = await pruneProcessedEvents(this.opts.db, this.opts.eventRetentionDays);
        const versions = await pruneConfigVersions(this.opts.db);
        if (pruned || versions) this.opts.log.info({ pruned, versions }, 'processed events and saved versions past their retention deleted');
      }
      const free = this.opts.concurrency - this.running.size;
      if (free <= 0) return;
      const ids = await this.queue.candidates(this.opts.concurrency * 2);
      for (const id of ids.filter((i) => !this.running.has(i)).slice(0, free)) this.launch(id);
    } catch (err) {
      this.opts.log.error({ err }, 'worker poll failed; retrying at the next poll');
    }
  }

  private launch(associationId: string): void {
    const { db, models, log, jiraFor, leaseMs, searchLagMs, checkedDocuments } = this.opts;
    const deps = { db, models, log, jiraFor, leaseMs, searchLagMs, checkedDocuments, queue: this.queue, stopped: () => this.stopped };
    let failed = false;
    const run = runAssociation(deps, associationId)
      .catch((err: unknown) => {
        failed = true;
        log.error({ err, associationId }, 'worker run failed; trying again at the next poll');
      })
      .finally(() => {
        this.running.delete(associationId);
        // Its next events, or another association's, may be due. A run that failed outside its events'
        // own handling (the database refusing writes, say) waits for the next poll: looking again at
        // once, it would fail again as fast as it can.
        if (!failed) this.notify();
      });
    this.running.set(associationId, run);
  }
}
