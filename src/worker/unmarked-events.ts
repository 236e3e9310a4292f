/**
 * The events of a round processed since the last Jira write, whose done marks wait. What they told the
 * Releases panel is saved first (one transaction for all of them), then they are marked done: before a
 * later event's first issue write (every processed event must be marked before a later one writes), or
 * before the round's publish, all but the last; the last only after the publish. Until then a crash or
 * a failure leaves them due, and processing them again writes nothing twice.
 */
import type { QueuedEvent } from '../db/event-queue.js';
import type { EventResult } from './process-event.js';

export interface ProcessedEvent {
  event: QueuedEvent;
  result: EventResult;
}

export class UnmarkedEvents {
  private readonly events: ProcessedEvent[] = [];
  /** The release under way: writes run a few at a time, and each asks before it starts. */
  private releasing: Promise<void> | undefined;

  constructor(
    /** Saves what the events told the panel. */
    private readonly saveObserved: () => Promise<void>,
    /** Marks one event done (or failed) with its result. */
    private readonly mark: (processed: ProcessedEvent) => Promise<void>,
  ) {}

  add(processed: ProcessedEvent): void {
    this.events.push(processed);
  }

  /** The oldest event still unmarked (the round's last one once `release(1)` has run). */
  get oldest(): ProcessedEvent | undefined {
    return this.events[0];
  }

  /** Saves what the events told the panel, then marks them done, all but the last `keep`. */
  release(keep = 0): Promise<void> {
    this.releasing ??= (async () => {
      try {
        await this.saveObserved();
        for (const processed of this.events.splice(0, Math.max(0, this.events.length - keep))) await this.mark(processed);
      } finally {
        this.releasing = undefined;
      }
    })();
    return this.releasing;
  }
}
