/**
 * Every failure of a Jira call, typed so a durable worker can decide what to do with it:
 * reschedule (`retryable`, honouring `retryAfterMs`), or record a permanent refusal on the association's health.
 * Messages carry Jira's own words and the request's method and path: never a JWT, a secret or a header.
 */
export type JiraErrorKind = 'http' | 'timeout' | 'network';

export interface JiraErrorInit {
  kind: JiraErrorKind;
  /** HTTP status; 0 when Jira gave no answer (timeout, connection error). */
  status: number;
  method: string;
  path: string;
  retryable: boolean;
  /**
   * True when Jira may have carried out the request although we got no success answer
   * (timeout, dropped connection, 500/502/504). Repeating a create or a comment then risks a duplicate.
   */
  ambiguous: boolean;
  retryAfterMs?: number;
  errorMessages?: string[];
  fieldErrors?: Record<string, string>;
  detail?: string;
}

export class JiraError extends Error {
  readonly kind: JiraErrorKind;
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly retryable: boolean;
  readonly ambiguous: boolean;
  readonly retryAfterMs: number | undefined;
  readonly errorMessages: string[];
  readonly fieldErrors: Record<string, string>;
  /** How many attempts were made before this error was thrown (set by the client). */
  attempts = 1;

  constructor(init: JiraErrorInit) {
    super(describe(init));
    this.name = 'JiraError';
    this.kind = init.kind;
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.retryable = init.retryable;
    this.ambiguous = init.ambiguous;
    this.retryAfterMs = init.retryAfterMs;
    this.errorMessages = init.errorMessages ?? [];
    this.fieldErrors = init.fieldErrors ?? {};
  }

  /**
   * Jira refused this request for good: no retry changes it (the project is gone, a permission removed).
   * A 401 is no such refusal: Jira did not take the app's credentials (a Connect site that reinstalled has
   * a new shared secret), not this request; a retry with the site's credentials read afresh may pass.
   */
  get refusedForGood(): boolean {
    return !this.retryable && this.status !== 401;
  }

  /** Jira's own words only (no method/path), for showing on the association's health. */
  get jiraMessage(): string {
    return jiraWords(this.errorMessages, this.fieldErrors) || this.message;
  }
}

function jiraWords(messages: string[] | undefined, fields: Record<string, string> | undefined): string {
  const parts = [...(messages ?? [])];
  for (const [field, msg] of Object.entries(fields ?? {})) parts.push(`${field}: ${msg}`);
  return parts.join('; ');
}

function describe(init: JiraErrorInit): string {
  const where = `${init.method} ${init.path}`;
  if (init.kind === 'timeout') return `Jira did not answer ${where} in time`;
  if (init.kind === 'network') return `Could not reach Jira for ${where}${init.detail ? ` (${init.detail})` : ''}`;
  const words = jiraWords(init.errorMessages, init.fieldErrors) || init.detail || 'no error details';
  return `Jira answered ${init.status} to ${where}: ${words}`;
}

/** Statuses worth another try: rate limits, overload and server faults. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** 500, 502 and 504 may come after Jira did the work; 429 and 503 are refusals before it. */
export function isAmbiguousStatus(status: number): boolean {
  return status >= 500 && status !== 503;
}

/** Pulls `errorMessages` / `errors` out of a Jira error body, tolerating anything else. */
export function parseJiraErrorBody(text: string): { errorMessages: string[]; fieldErrors: Record<string, string> } {
  const out = { errorMessages: [] as string[], fieldErrors: {} as Record<string, string> };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return out;
  }
  if (!body || typeof body !== 'object') return out;
  const b = body as { errorMessages?: unknown; errors?: unknown; message?: unknown };
  if (Array.isArray(b.errorMessages)) out.errorMessages = b.errorMessages.filter((m): m is string => typeof m === 'string');
  if (b.errors && typeof b.errors === 'object' && !Array.isArray(b.errors)) {
    for (const [k, v] of Object.entries(b.errors as Record<string, unknown>)) {
      if (typeof v === 'string') out.fieldErrors[k] = v;
    }
  }
  if (out.errorMessages.length === 0 && typeof b.message === 'string') out.errorMessages = [b.message];
  return out;
}
