import { isAmbiguousStatus, isRetryableStatus, JiraError, parseJiraErrorBody } from './errors.js';
import { credentialsFor, jiraBaseUrl, type JiraAuth } from './auth.js';
import { pathRelativeToBase } from './jwt.js';
import { backoffDelay, delayForRetryAfter, realSleep, retryAfterFromHeaders } from './retry.js';

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
  /** For tests: jitter source in [0, 1). */
  random?: () => number;
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
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** One Jira site's HTTP transport: signs each attempt afresh, times it out, and retries what is worth retrying. */
export class JiraTransport {
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly auth: JiraAuth,
    private readonly opts: JiraClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
  }

  async call(method: string, pathAndQuery: string, options: CallOptions): Promise<JiraAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(method, pathAndQuery, options);
      } catch (err) {
        if (!(err instanceof JiraError)) throw err;
        err.attempts = attempt;
        const delayMs = this.retryDelay(err, attempt, options.safeToRepeat);
        if (delayMs === undefined) throw err;
        this.opts.onRetry?.({ attempt, delayMs, error: err });
        await this.sleep(delayMs);
      }
    }
  }

  /** The wait before the next attempt, or undefined when the error goes to the caller now. */
  private retryDelay(err: JiraError, attempt: number, safeToRepeat: boolean): number | undefined {
    if (!err.retryable || attempt >= this.maxAttempts) return undefined;
    if (err.ambiguous && !safeToRepeat) return undefined;
    if (err.retryAfterMs !== undefined) {
      if (err.retryAfterMs > this.maxRetryAfterMs) return undefined;
      return delayForRetryAfter(err.retryAfterMs, this.random);
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
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
        // A redirect the caller expects is its answer (bulk property sets answer 303 with their task).
        redirect: options.acceptStatuses?.some((s) => s >= 300 && s < 400) ? 'manual' : 'error',
      });
      text = await res.text();
    } catch (err) {
      throw transportError(err, method, path);
    }
    if (res.ok || options.acceptStatuses?.includes(res.status)) {
      return { status: res.status, json: text ? safeJson(text) : undefined };
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
