/**
 * The background worker: finds associations with due events, owns each through a lease, and processes
 * its events in order. Associations run in parallel (up to `concurrency` per process); any number of
 * processes can share one PostgreSQL database.
 */
import crypto from 'node:crypto';
import type { Db } from '../db/database.js';
import type { AssociationRow, Models } from '../db/models.js';
import { recordFailure } from '../db/health.js';
import { AssociationGone } from '../db/associations.js';
import { JiraError, type JiraClient } from '../jira/index.js';
import type { Logger } from '../log.js';
import { FlagStates } from './flag-states.js';
import { IssueWriter } from './issue-writer.js';
import { processEvent } from './process-event.js';
import { SavedVersions } from './saved-versions.js';
import { LeaseLost, Queue, type QueuedEvent } from './queue.js';
import { retryDelayMs } from './backoff.js';
import { pruneProcessedEvents } from './retention.js';
import { ReleasesPanel } from '../environments/releases-panel.js';

export interface WorkerOptions {
  db: Db;
  models: Models;
  log: Logger;
  jiraFor: (clientKey: string) => Promise<JiraClient>;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  /** Minimum delay before retrying a create whose answer was lost (see AppConfig.worker.searchLagMs). */
  searchLagMs: number;
  eventRetentionDays: number;
  workerId?: string;
}

const PRUNE_EVERY_MS = 60 * 60_000;
/** Events read per round of one association (then the association row is read again). */
const EVENTS_PER_ROUND = 50;
/**
 * After a round that found fewer events than it could take, the next round waits this long: under a
 * stream of events each round then takes many at once (the round's own reads and writes are shared by
 * more events), while a lone event is still processed at once. Jira writes take longer than this.
 */
const ROUND_PAUSE_MS = 50;
/** How often a run reads its association row again. */
const ASSOCIATION_REREAD_MS = 1000;

/** Unexpected (non-Jira) failures of one event before it is set aside as failed, with its reason shown. */
const MAX_UNEXPECTED_ATTEMPTS = 10;

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
    this.queue = new Queue(opts.db, opts.models, this.id, opts.leaseMs);
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

  /** Resolves true once the event is no longer pending, false after timeoutMs. */
  async awaitEvent(eventId: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.opts.models.StoredEvent.findByPk(eventId, { attributes: ['status'] });
      if (!row || row.status !== 'pending') return true;
      if (Date.now() >= deadline) return false;
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
        const pruned = await pruneProcessedEvents(this.opts.db, this.opts.models, this.opts.eventRetentionDays);
        if (pruned) this.opts.log.info({ pruned }, 'processed events past their retention deleted');
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
    const run = this.runAssociation(associationId)
      .catch((err) => this.opts.log.error({ err, associationId }, 'worker run failed'))
      .finally(() => {
        this.running.delete(associationId);
        this.notify(); // its next events, or another association's, may be due
      });
    this.running.set(associationId, run);
  }

  private async runAssociation(associationId: string): Promise<void> {
    const { db, models, log } = this.opts;
    if (!(await this.queue.claim(associationId))) return;
    // A heartbeat keeps the lease while one long Jira call (with its own retries) is under way; before a
    // Jira write the lease is renewed too when the last renewal is a third of a lease old.
    const renewEvery = Math.max(1000, Math.floor(this.opts.leaseMs / 3));
    let leaseLost = false;
    let renewedAt = Date.now();
    const renew = async () => {
      await this.queue.renew(associationId);
      renewedAt = Date.now();
    };
    const heartbeat = setInterval(() => renew().catch(() => (leaseLost = true)), renewEvery);
    heartbeat.unref?.();
    // Processed events are marked done in groups. Marking one late is safe (processing it again writes
    // nothing: its writes are recorded per flag), as long as every processed event is marked before the
    // next Jira write; so the group is flushed before each write, before a failure is handled, and at the end.
    // One log line per group marked done (not one per event): under a stream of events, a line per
    // event cost the worker more than the events did.
    let processed: { event: QueuedEvent; failure?: string; note?: string }[] = [];
    const flushProcessed = async () => {
      const group = processed;
      processed = [];
      await this.queue.completeMany(group);
      const ok = group.filter((p) => !p.failure);
      if (ok.length === 0) return;
      const notes = ok.filter((p) => p.note).map((p) => ({ eventId: p.event.id, note: p.note }));
      log.info({ associationId, eventIds: ok.map((p) => p.event.id), ...(notes.length ? { notes } : {}) }, 'events processed');
    };
    const beforeWrite = async () => {
      if (leaseLost) throw new LeaseLost(associationId);
      await flushProcessed();
      if (Date.now() - renewedAt >= renewEvery) await renew();
    };
    let jira: JiraClient | undefined;
    let association: AssociationRow | null = null;
    let associationReadAt = 0;
    try {
      for (;;) {
        if (this.stopped) return;
        // Read again now and then during a long run (a removal also shows as AssociationGone on writes).
        if (!association || Date.now() - associationReadAt >= ASSOCIATION_REREAD_MS) {
          association = await models.Association.findByPk(associationId);
          associationReadAt = Date.now();
          if (!association) return;
        }
        const events = await this.queue.nextDue(associationId, EVENTS_PER_ROUND);
        if (events.length === 0) return;
        await beforeWrite();
        jira ??= await this.opts.jiraFor(association.clientKey);
        const states = new FlagStates(db, models, associationId);
        const versions = new SavedVersions(db, associationId);
        await versions.prefetch(events);
        const writer = new IssueWriter(jira, association, states, beforeWrite);
        const panel = new ReleasesPanel(db, models, association);
        for (const event of events) {
          if (this.stopped) return;
          try {
            const result = await processEvent({ db, models }, association, event, states, versions, writer);
            // The environments and the Releases panel follow every event, whatever its issue writes gave.
            const shown = await panel.afterEvent(event.payload, jira, beforeWrite);
            if (shown?.refusals.length) {
              await recordFailure(db, models, associationId, 'jira_refused', shown.refusals.join(' '));
              log.warn({ associationId, eventId: event.id }, shown.refusals.join(' '));
            }
            if (shown?.unknownIssueKeys.length) log.info({ associationId, unknownIssueKeys: shown.unknownIssueKeys }, 'flag descriptions name issues Jira does not know');
            if (result.ok) {
              processed.push({ event, note: result.note });
            } else {
              processed.push({ event, failure: result.message });
              await recordFailure(db, models, associationId, result.code, result.message);
              log.warn({ associationId, eventId: event.id, code: result.code }, result.message);
            }
          } catch (err) {
            if (err instanceof LeaseLost || err instanceof AssociationGone) throw err;
            await flushProcessed();
            // Rescheduled (or set aside): the events after it wait, in order, for the next round.
            if (await this.handleFailure(associationId, event, err)) return;
            break;
          }
        }
        await flushProcessed();
        if (events.length < EVENTS_PER_ROUND) await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
      }
    } catch (err) {
      if (err instanceof LeaseLost) {
        log.warn({ associationId }, 'lease lost to another worker; leaving the association to it');
        return;
      }
      if (err instanceof AssociationGone) {
        log.info({ associationId }, 'association removed while its events were processed; stopping');
        return;
      }
      throw err;
    } finally {
      clearInterval(heartbeat);
      await flushProcessed().catch((err: unknown) => log.warn({ err, associationId }, 'could not mark processed events; they will be processed again, writing nothing'));
      await this.queue.release(associationId).catch(() => undefined);
    }
  }

  /** Reschedule (nothing is lost) or, for a repeating unexpected fault, set the event aside with its reason. */
  private async handleFailure(associationId: string, event: QueuedEvent, err: unknown): Promise<boolean> {
    const { db, models, log } = this.opts;
    if (err instanceof JiraError && err.retryable) {
      // A create that may have happened is looked for by search before it is repeated: give the index time.
      const lostCreate = err.ambiguous && err.method === 'POST' && err.path.startsWith('/rest/api/3/issue');
      const delay = Math.max(retryDelayMs(event.attempts, err.retryAfterMs), lostCreate ? this.opts.searchLagMs : 0);
      await this.queue.reschedule(event, delay, err.message);
      log.warn({ associationId, eventId: event.id, status: err.status, delayMs: delay }, 'Jira unavailable or rate limited; event rescheduled');
      if (event.attempts + 1 >= 3) {
        await recordFailure(db, models, associationId, 'jira_unavailable', `Jira is slow or failing (${err.status || 'no answer'}); retrying. Nothing is lost.`);
      }
      return true;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (event.attempts + 1 >= MAX_UNEXPECTED_ATTEMPTS) {
      await this.queue.completeMany([{ event, failure: `Processing failed repeatedly: ${message}` }]);
      await recordFailure(db, models, associationId, 'processing_failed', `An event could not be processed: ${message}`);
      log.error({ err, associationId, eventId: event.id }, 'event set aside after repeated failures');
      return false;
    }
    await this.queue.reschedule(event, retryDelayMs(event.attempts), message);
    log.error({ err, associationId, eventId: event.id }, 'event processing failed; rescheduled');
    return true;
  }
}
