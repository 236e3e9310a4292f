/** Injected faults: slow answers (for timeouts), 5xx and throttling, or a dropped connection. */
import type { Service } from './wire.js';

export interface FaultSpec {
  service?: Service;
  /** Operation name, e.g. `ListApplications` or `GetCallerIdentity`. */
  action?: string;
  /** Answer with this status (5xx, 429) instead of serving the call. */
  status?: number;
  /** Wait this long before answering (or before serving, when no status is given). */
  delayMs?: number;
  /** Serve the call, then wait this long before answering: the change is made, the caller does not know yet. */
  holdAnswerMs?: number;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** How many matching calls it hits; default 1. */
  times?: number;
}

export class Faults {
  private list: (FaultSpec & { left: number })[] = [];

  add(spec: FaultSpec): void {
    this.list.push({ ...spec, left: spec.times ?? 1 });
  }

  clear(): void {
    this.list = [];
  }

  /** Takes the first fault that matches this call, counting it down. */
  take(service: Service, action: string): FaultSpec | undefined {
    const f = this.list.find((x) => x.left > 0 && (!x.service || x.service === service) && (!x.action || x.action === action));
    if (!f) return undefined;
    f.left -= 1;
    return f;
  }
}
