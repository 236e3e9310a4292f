/**
 * Faults on demand, checked before anything else so that a faulted write changes nothing:
 * rate limits (429 with Retry-After and X-RateLimit-Reset), overload (503 with Retry-After), server errors,
 * slow answers, and connections dropped without an answer.
 */
export interface FaultMatch {
  method?: string;
  /** A RegExp tested on the path (no query), or a string the path equals or starts with. */
  path?: RegExp | string;
}

export interface FaultSpec {
  match?: FaultMatch;
  /** Answer with this status instead of doing the request. Without it (and without drop), the request is only delayed. */
  status?: number;
  /** Seconds for the Retry-After header (429/503). */
  retryAfter?: number;
  /** Send Retry-After as an HTTP date instead of seconds. */
  retryAfterAsDate?: boolean;
  /** Fire for this many matching requests, then retire. Default: until cleared. */
  times?: number;
  /** Fire only on every nth matching request (n, 2n, ...). */
  everyNth?: number;
  /**
   * Wait this long first. Alone, the request is then carried out as normal even if the client gave up
   * meanwhile: a slow Jira still does the work, which is what makes timeouts ambiguous.
   */
  delayMs?: number;
  /** Destroy the socket without an answer (nothing is done). */
  drop?: boolean;
  /** Carry the request out, then destroy the socket without an answer: the work is done, its answer lost. */
  loseAnswer?: boolean;
  /**
   * Destroy the socket without an answer at once, then carry the request out after delayMs: the client
   * sees the call fail while Jira is still doing the work (a gateway that gave up on a slow Jira).
   */
  workAfterLoss?: boolean;
  /** The JSON body of a faulted answer; default a Jira-style error collection. */
  body?: unknown;
}

export interface FaultDecision {
  status?: number;
  headers: Record<string, string>;
  body?: unknown;
  delayMs: number;
  drop: boolean;
  loseAnswer: boolean;
  workAfterLoss: boolean;
}

interface ActiveFault {
  spec: FaultSpec;
  seen: number;
  fired: number;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  429: 'Rate limit exceeded.',
  500: 'Internal server error.',
  502: 'Bad gateway.',
  503: 'Service unavailable. Please try again later.',
  504: 'Gateway timeout.',
};

export class Faults {
  private active: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    this.active.push({ spec, seen: 0, fired: 0 });
  }

  clear(): void {
    this.active = [];
  }

  get count(): number {
    return this.active.length;
  }

  /** The first fault that fires for this request, counted as used; undefined when none does. */
  decide(method: string, path: string, now = Date.now()): FaultDecision | undefined {
    for (const fault of this.active) {
      if (!matches(fault.spec.match, method, path)) continue;
      fault.seen++;
      const nth = fault.spec.everyNth;
      if (nth && fault.seen % nth !== 0) continue;
      fault.fired++;
      if (fault.spec.times !== undefined && fault.fired >= fault.spec.times) {
        this.active = this.active.filter((f) => f !== fault);
      }
      return toDecision(fault.spec, now);
    }
    return undefined;
  }
}

function matches(match: FaultMatch | undefined, method: string, path: string): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== method.toUpperCase()) return false;
  if (match.path instanceof RegExp) return match.path.test(path);
  if (typeof match.path === 'string') return path === match.path || path.startsWith(match.path);
  return true;
}

function toDecision(spec: FaultSpec, now: number): FaultDecision {
  const headers: Record<string, string> = {};
  const status = spec.status;
  if (status !== undefined && spec.retryAfter !== undefined) {
    headers['Retry-After'] = spec.retryAfterAsDate
      ? new Date(now + spec.retryAfter * 1000).toUTCString()
      : String(spec.retryAfter);
  }
  if (status === 429) {
    // Jira Cloud sends the reset time as an ISO 8601 timestamp.
    headers['X-RateLimit-Reset'] = new Date(now + (spec.retryAfter ?? 1) * 1000).toISOString();
    headers['X-RateLimit-Limit'] = '100';
    headers['X-RateLimit-Remaining'] = '0';
    headers['RateLimit-Reason'] = 'jira-quota-tenant-based';
  }
  const body =
    spec.body ??
    (status !== undefined ? { errorMessages: [DEFAULT_MESSAGES[status] ?? `Fault injected with status ${status}.`], errors: {} } : undefined);
  return { status, headers, body, delayMs: spec.delayMs ?? 0, drop: spec.drop === true, loseAnswer: spec.loseAnswer === true, workAfterLoss: spec.workAfterLoss === true };
}
