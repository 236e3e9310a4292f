/**
 * Processed events, marked done in groups. Marking one late is safe (processing it again writes
 * nothing: its writes are recorded per flag), as long as every processed event is marked before the
 * next Jira write; so the group is flushed before each write, before a failure is handled, and at the
 * end of a run; a write that asks while a flush is under way waits for it. One log line per group (not
 * one per event): under a stream of events, a line per event cost the worker more than the events did.
 */
import type { Logger } from '../log.js';
import type { Queue, QueuedEvent } from '../db/event-queue.js';

interface Outcome {
  event: QueuedEvent;
  failure?: string;
  note?: string;
}

export class DoneMarks {
  private group: Outcome[] = [];

  constructor(
    private readonly queue: Queue,
    /** The association's logger. */
    private readonly log: Logger,
  ) {}

  add(outcome: Outcome): void {
    this.group.push(outcome);
  }

  /** The flush under way: a flush asked meanwhile (writes run a few at a time) waits for it, and shares its failure. */
  private current: Promise<void> | undefined;

  flush(): Promise<void> {
    if (this.group.length === 0) return this.current ?? Promise.resolve();
    const next = (this.current ?? Promise.resolve()).catch(() => undefined).then(() => this.flushGroup());
    this.current = next;
    next
      .finally(() => {
        if (this.current === next) this.current = undefined;
      })
      .catch(() => undefined);
    return next;
  }

  private async flushGroup(): Promise<void> {
    const group = this.group;
    this.group = [];
    await this.queue.completeMany(group);
    const ok = group.filter((p) => !p.failure);
    if (ok.length === 0) return;
    const notes = ok.filter((p) => p.note).map((p) => ({ eventId: p.event.id, note: p.note }));
    this.log.info({ eventIds: ok.map((p) => p.event.id), ...(notes.length ? { notes } : {}) }, 'events processed');
  }
}
