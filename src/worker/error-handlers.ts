/**
 * What the worker does when processing an event throws: the one place that classifies failures.
 *
 * A short chain of handlers, each looking at one typed error and either deciding or passing it on:
 * - retry:     keep the event at the head of its queue and try again after a delay (an attempt counted);
 * - wait:      nothing is wrong with the event, the tenant cannot be acted for yet (no attempt counted);
 * - set-aside: the event can never succeed (a poison event): mark it failed with its reason at once,
 *              so the association's later events go on;
 * - stop:      the tenant is gone: leave its events untouched and end the run.
 * Every decision that a user can act on carries a health entry for the association's status.
 */
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { JiraError } from '../jira/index.js';
import { TenantUnavailable } from '../tenancy/errors.js';
import { retryDelayMs } from './backoff.js';
import { CreateDeferred, LostCreate, LostEdit } from './write-errors.js';

export interface Health {
  code: string;
  message: string;
}

/** `reason` is kept on the event; `summary` is the log line. */
export type Decision =
  | { kind: 'retry'; delayMs: number; reason: string; summary: string; health?: Health }
  | { kind: 'wait'; delayMs: number; reason: string; summary: string; health: Health }
  | { kind: 'set-aside'; reason: string; summary: string; health: Health }
  | { kind: 'stop'; delayMs: number; reason: string; summary: string; health: Health };

export interface FailureContext {
  /** Failed tries of this event so far. */
  attempts: number;
  /** Least delay before looking for a write (a create, an edit) whose answer was lost. */
  searchLagMs: number;
}

export type ErrorHandler = (err: unknown, ctx: FailureContext) => Decision | undefined;

/** How long a tenant whose token expired is left before its events are tried again. */
export const TOKEN_WAIT_MS = 60_000;
/** A tenant that is not installed is looked at again this rarely (its purge usually removes the events first). */
export const NOT_INSTALLED_RECHECK_MS = 10 * 60_000;
/** Failed tries of an unexplained fault before the event is set aside. */
export const MAX_UNEXPECTED_ATTEMPTS = 3;
/** Tries of an event whose Jira calls get 401 before it is set aside (backoff 1, 2, 4, 8 s: a reinstall is picked up). */
export const CREDENTIAL_ATTEMPTS = 5;
/** Tries after which a Jira outage shows on the association's health. */
const OUTAGE_SHOWN_AFTER = 3;

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const tenantUnavailable: ErrorHandler = (err) => {
  if (!(err instanceof TenantUnavailable)) return undefined;
  if (err.reason === 'token_expired') {
    return {
      kind: 'wait',
      delayMs: TOKEN_WAIT_MS,
      reason: err.message,
      summary: 'tenant token expired; events kept until it is renewed',
      health: { code: 'tenant_token_expired', message: 'The app cannot reach Jira for this site until its access is renewed; events are kept.' },
    };
  }
  return {
    kind: 'stop',
    delayMs: NOT_INSTALLED_RECHECK_MS,
    reason: err.message,
    summary: 'tenant not installed; events left untouched',
    health: { code: 'tenant_not_installed', message: 'The app is not installed on this site; events are not sent to Jira.' },
  };
};

/** A create may have happened: the retry looks for its issue first, after Jira has had time to finish it. */
const lostCreate: ErrorHandler = (err, ctx) => {
  if (!(err instanceof LostCreate)) return undefined;
  const delayMs = Math.max(retryDelayMs(ctx.attempts), ctx.searchLagMs);
  return { kind: 'retry', delayMs, reason: err.message, summary: 'answer to a create lost; its issue is looked for before any create', health: outage(ctx, err.cause.status) };
};

/** An edit may have happened, or be happening: the retry reads the issue first, once Jira has had time to finish it. */
const lostEdit: ErrorHandler = (err, ctx) => {
  if (!(err instanceof LostEdit)) return undefined;
  const delayMs = Math.max(retryDelayMs(ctx.attempts), ctx.searchLagMs);
  return { kind: 'retry', delayMs, reason: err.message, summary: 'answer to an edit lost; the issue is read before any write', health: outage(ctx, err.cause.status) };
};

const createDeferred: ErrorHandler = (err, ctx) => {
  if (!(err instanceof CreateDeferred)) return undefined;
  return { kind: 'retry', delayMs: retryDelayMs(ctx.attempts), reason: err.message, summary: JIRA_UNAVAILABLE, health: outage(ctx, err.status) };
};

const JIRA_UNAVAILABLE = 'Jira unavailable or rate limited; event rescheduled';

const jiraUnavailable: ErrorHandler = (err, ctx) => {
  if (!(err instanceof JiraError && err.retryable)) return undefined;
  return { kind: 'retry', delayMs: retryDelayMs(ctx.attempts, err.retryAfterMs), reason: err.message, summary: JIRA_UNAVAILABLE, health: outage(ctx, err.status) };
};

/**
 * Jira did not take the app's credentials (401; a Forge token Jira refuses is a TenantUnavailable above).
 * For a Connect site that reinstalled, its shared secret changed: the next run builds its Jira client
 * from the site's row again. Retried with backoff, shown on health while it lasts; a 401 that outlasts
 * CREDENTIAL_ATTEMPTS tries is a refusal (set aside below), so it cannot hold the events after it forever.
 */
const credentialsRefused: ErrorHandler = (err, ctx) => {
  if (!(err instanceof JiraError && err.status === 401)) return undefined;
  if (ctx.attempts + 1 >= CREDENTIAL_ATTEMPTS) return undefined;
  return {
    kind: 'retry',
    delayMs: retryDelayMs(ctx.attempts),
    reason: err.message,
    summary: "Jira refused the app's credentials; event rescheduled",
    health: { code: 'jira_unauthorized', message: "Jira refused the app's credentials for this site; retrying. Reinstalling the app renews them. Events are kept." },
  };
};

/** A refusal that no retry changes, reaching the worker outside a write (which reports its own refusals). */
const jiraRefused: ErrorHandler = (err) => {
  if (!(err instanceof JiraError)) return undefined;
  return { kind: 'set-aside', reason: err.message, summary: 'Jira refused a request; event set aside', health: { code: 'jira_refused', message: `Jira refused a request (${err.status}): ${err.jiraMessage}` } };
};

/** The database is unreachable or busy: the event is fine, try again (shown on health while it lasts). */
const databaseUnavailable: ErrorHandler = (err, ctx) => {
  if (!isDatabaseUnavailable(err)) return undefined;
  return {
    kind: 'retry',
    delayMs: retryDelayMs(ctx.attempts),
    reason: messageOf(err),
    summary: 'database unavailable; event rescheduled',
    ...(ctx.attempts + 1 >= OUTAGE_SHOWN_AFTER ? { health: { code: 'database_unavailable', message: 'The database is failing; retrying. Nothing is lost.' } } : {}),
  };
};

/**
 * Faults that repeating the same event cannot change: a statement the database refuses for this
 * event's values, a payload that does not parse, a bug met by this event's data. Set aside at once.
 */
const poison: ErrorHandler = (err) => {
  const permanent =
    err instanceof SyntaxError ||
    err instanceof TypeError ||
    err instanceof RangeError ||
    (err instanceof Error && (err.name === 'SequelizeDatabaseError' || err.name === 'SequelizeValidationError' || /^SQLITE_(ERROR|MISMATCH|RANGE|TOOBIG|CONSTRAINT)/.test(String((err as { code?: unknown }).code))));
  if (!permanent) return undefined;
  return setAside(messageOf(err));
};

/** Anything else: a few tries (it may pass), then set aside with its reason. */
function unexpected(err: unknown, ctx: FailureContext): Decision {
  if (ctx.attempts + 1 >= MAX_UNEXPECTED_ATTEMPTS) return setAside(`failed ${ctx.attempts + 1} times: ${messageOf(err)}`);
  return { kind: 'retry', delayMs: retryDelayMs(ctx.attempts), reason: messageOf(err), summary: 'event processing failed; rescheduled' };
}

function setAside(reason: string): Decision {
  return { kind: 'set-aside', reason, summary: 'event set aside; the events after it go on', health: { code: 'processing_failed', message: `An event could not be processed: ${reason}` } };
}

function outage(ctx: FailureContext, status: number): Health | undefined {
  if (ctx.attempts + 1 < OUTAGE_SHOWN_AFTER) return undefined;
  return { code: 'jira_unavailable', message: `Jira is slow or failing (${status || 'no answer'}); retrying. Nothing is lost.` };
}

/** In order: the first handler that recognises the error decides; what none recognises is `unexpected`. */
export const ERROR_HANDLERS: readonly ErrorHandler[] = [
  tenantUnavailable,
  lostCreate,
  lostEdit,
  createDeferred,
  jiraUnavailable,
  credentialsRefused,
  jiraRefused,
  databaseUnavailable,
  poison,
];

export function decide(err: unknown, ctx: FailureContext): Decision {
  for (const handler of ERROR_HANDLERS) {
    const decision = handler(err, ctx);
    if (decision) return decision;
  }
  return unexpected(err, ctx);
}
