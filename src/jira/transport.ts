import { isAmbiguousStatus, isRetryableStatus, JiraError, parseJiraErrorBody } from './errors.js';
import { credentialsFor, jiraBaseUrl, type JiraAuth } from './auth.js';
import { pathRelativeToBase } from './jwt.js';
import { backoffDelay, delayForRetryAfter, realSleep, retryAfterFromHeaders } from './retry.js';
import { RateGate } from './rate-gate.js';

export interface RetryInfo {
  /** The attempt that just failed (1-based). */
  attempt: number;
  /** How long the client now waits before the next attempt. */
  delayMs: number;
  error: JiraError;
}

export interface JiraClientOptions {
  /** Per-attempt timeout, covering the answer's body too. Default 30 s. */
  timeoutMs?: number;
  /** Attempts per call, the first included. Default 5. */
  maxAttempts?: number;
  /** A Retry-After longer than this is not waited out here: the error goes to the caller to reschedule. Default 60 s. */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: RetryInfo) => void;
  /**
   * Awaited before each retry of a call, after its wait: the worker checks there that it still owns the
   * association (a Retry-After wait can outlast its lease); a throw ends the call, unsent.
   */
  beforeRetry?: () => Promise<void>;
  /** For tests: jitter source in [0, 1). */
  random?: () => number;
  /**
   * The site's Retry-After gate, shared by every client of the site: a gate, or how to find the gate of a
   * base URL (rateGateFor: one per site in the process). Without one the client keeps its own, which only
   * its own calls respect.
   */
  gate?: RateGate | ((baseUrl: string) => RateGate);
}

export interface CallOptions {
  body?: unknown;
  /**
   * Whether repeating the call after an ambiguous failure (timeout, dropped connection, 500) is harmless.
   * Reads and pure property/field sets are; creates and comment adds are not (a repeat may duplicate).
   */
  safeToRepeat: boolean;
  /** Statuses that are answers, not errors (e.g. 404 for "no such issue", 400 for a bulk create's per-element failures). */
  acceptStatuses?: number[];
}

export interface JiraAnswer {
  status: number;
  json: unknown;
  /** A redirect's Location (a bulk property call's task). */
  location?: string;
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** One Jira site's HTTP transport: signs each attempt afresh, times it out, and retries what is worth retrying. */
export class JiraTransport {
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly gate: RateGate;

  constructor(
    private readonly auth: JiraAuth,
    private readonly opts: JiraClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    const gate = opts.gate;
    this.gate = typeof gate === 'function' ? gate(jiraBaseUrl(auth)) : (gate ?? new RateGate({ sleep: this.sleep }));
  }

  async call(method: string, pathAndQuery: string, options: CallOptions): Promise<JiraAnswer> {
    // The end of a window this call already slept out itself (its own 429): the gate does not make it wait twice.
    let waitedUntil = 0;
    for (let attempt = 1; ; attempt++) {
      await this.passGate(method, pathAndQuery, attempt, waitedUntil);
      try {
        return await this.attempt(method, pathAndQuery, options);
      } catch (err) {
        if (!(err instanceof JiraError)) throw err;
        err.attempts = attempt;
        const asked = siteWindowMs(err);
        const windowMs = asked === undefined ? undefined : delayForRetryAfter(asked, this.random);
        // The whole site waits, not only this call: its gate closes before anything else can start, even
        // when the wait is too long for this call, which then goes to the caller to reschedule.
        const windowEnd = windowMs === undefined ? 0 : this.gate.closeFor(windowMs);
        const delayMs = this.retryDelay(err, attempt, options.safeToRepeat, windowMs);
        if (delayMs === undefined) throw err;
        this.opts.onRetry?.({ attempt, delayMs, error: err });
        await this.sleep(delayMs);
        await this.opts.beforeRetry?.();
        waitedUntil = Math.max(waitedUntil, windowEnd);
      }
    }
  }

  /**
   * Waits while the site's Retry-After window lasts. A window longer than this client waits in-process is
   * not waited out here: the call ends, unsent, with a rate-limit error carrying what is left of it, for
   * the caller to reschedule.
   */
  private async passGate(method: string, pathAndQuery: string, attempt: number, waitedUntil: number): Promise<void> {
    const left = this.gate.remainingMs();
    if (left === 0) return;
    if (left > this.maxRetryAfterMs) {
      const err = new JiraError({
        kind: 'http',
        status: 429,
        method,
        path: pathAndQuery.split('?')[0] ?? pathAndQuery,
        retryable: true,
        ambiguous: false,
        retryAfterMs: left,
        errorMessages: ['Not sent: Jira asked the app to wait before calling this site again (Retry-After).'],
      });
      err.attempts = attempt;
      throw err;
    }
    await this.gate.wait(waitedUntil);
  }

  /** The wait before the next attempt, or undefined when the error goes to the caller now. */
  private retryDelay(err: JiraError, attempt: number, safeToRepeat: boolean, windowMs: number | undefined): number | undefined {
    if (!err.retryable || attempt >= this.maxAttempts) return undefined;
    if (err.ambiguous && !safeToRepeat) return undefined;
    if (err.retryAfterMs !== undefined) {
      if (err.retryAfterMs > this.maxRetryAfterMs) return undefined;
      return windowMs ?? err.retryAfterMs;
    }
    return backoffDelay(attempt, this.random);
  }

  private async attempt(method: string, pathAndQuery: string, options: CallOptions): Promise<JiraAnswer> {
    const base = jiraBaseUrl(this.auth);
    const url = new URL(base + pathAndQuery);
    // Errors name the REST path (/rest/...), whatever base it sits under (a context path, /ex/jira/<cloudId>).
    const path = pathRelativeToBase(base, url);
    const credentials = await credentialsFor(this.auth, method, url);
    const headers: Record<string, string> = { Authorization: credentials.authorization, Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        // As bytes: a text body is copied whole by fetch (toWellFormed) first, twice the size when it holds any
        // non-Latin-1 character (a bulk create of 50 descriptions: ~0.5 MB per call, all garbage for the GC).
        body: options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)),
        signal: AbortSignal.timeout(this.timeoutMs),
        // A redirect the caller expects is its answer (bulk property sets answer 303 with their task).
        redirect: options.acceptStatuses?.some((s) => s >= 300 && s < 400) ? 'manual' : 'error',
      });
      // A rate limit closes the site's gate as soon as its answer is here, before its body is read: a
      // call of another write started meanwhile would be inside the window (call() then sets its jitter).
      if (res.status === 429 || res.status === 503) {
        const asked = retryAfterFromHeaders(res.headers);
        if (asked !== undefined) this.gate.closeFor(asked);
      }
      text = await res.text();
    } catch (err) {
      throw transportError(err, method, path);
    }
    if (res.ok || options.acceptStatuses?.includes(res.status)) {
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      return { status: res.status, json: text ? safeJson(text) : undefined, ...(location ? { location } : {}) };
    }
    // A Forge token Jira no longer takes: not Jira's final word. The call waits for a fresh token, or is
    // repeated at once when a newer one has arrived meanwhile (a 401 changed nothing in Jira).
    const tokenReplaced = res.status === 401 && credentials.onUnauthorized ? await refusedToken(credentials.onUnauthorized) : false;
    const { errorMessages, fieldErrors } = parseJiraErrorBody(text);
    const retryable = tokenReplaced || isRetryableStatus(res.status);
    throw new JiraError({
      kind: 'http',
      status: res.status,
      method,
      path,
      retryable,
      ambiguous: !tokenReplaced && isAmbiguousStatus(res.status),
      retryAfterMs: tokenReplaced ? 0 : retryable ? retryAfterFromHeaders(res.headers) : undefined,
      errorMessages,
      fieldErrors,
      detail: res.statusText || undefined,
    });
  }
}

/** Throws the auth strategy's error for a refused token; true when a newer token makes a repeat worthwhile. */
async function refusedToken(onUnauthorized: () => Promise<Error | undefined>): Promise<boolean> {
  const err = await onUnauthorized();
  if (err) throw err;
  return true;
}

/** The site-wide wait a rate limit (429) or overload (503) answer asks for, in ms; undefined for any other error. */
function siteWindowMs(err: JiraError): number | undefined {
  return (err.status === 429 || err.status === 503) && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Maps fetch's failures (abort by timeout, socket errors) to a retryable JiraError. */
function transportError(err: unknown, method: string, path: string): JiraError {
  const e = err as { name?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new JiraError({ kind: 'timeout', status: 0, method, path, retryable: true, ambiguous: true });
  }
  const code = e?.cause?.code ?? e?.cause?.name;
  return new JiraError({
    kind: 'network',
    status: 0,
    method,
    path,
    retryable: true,
    // A refused connection never carried the request; a connection that dropped mid-way might have.
    ambiguous: !(code && NOT_SENT_CODES.has(code)),
    detail: code ?? 'connection failed',
  });
}
