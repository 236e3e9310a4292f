/** The worker's one classification of failures: each typed error gets its decision. */
import { ConnectionRefusedError, DatabaseError } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { JiraError } from '../../../src/jira/index.js';
import { TenantUnavailable } from '../../../src/tenancy/errors.js';
import { CREDENTIAL_ATTEMPTS, decide, MAX_UNEXPECTED_ATTEMPTS } from '../../../src/worker/error-handlers.js';
import { CreateDeferred, LostCreate, LostEdit } from '../../../src/worker/write-errors.js';

const ctx = { attempts: 0, searchLagMs: 30_000 };
const jiraError = (status: number, extra: Partial<ConstructorParameters<typeof JiraError>[0]> = {}) =>
  new JiraError({ kind: 'http', status, method: 'PUT', path: '/rest/api/3/issue/FLAG-1', retryable: status === 429 || status >= 500, ambiguous: status >= 500 && status !== 503, errorMessages: ['words'], ...extra });

describe('decide', () => {
  it('an expired tenant token waits (no attempt counted) and says so on health', () => {
    const d = decide(new TenantUnavailable('ari:cloud:ecosystem::installation/x', 'token_expired', 'token expired'), ctx);
    expect(d).toMatchObject({ kind: 'wait', health: { code: 'tenant_token_expired' } });
  });

  it('a tenant that is not installed stops the run', () => {
    expect(decide(new TenantUnavailable('site', 'not_installed', 'gone'), ctx)).toMatchObject({ kind: 'stop', health: { code: 'tenant_not_installed' } });
  });

  it('a lost create waits at least the search lag before it is looked for', () => {
    const d = decide(new LostCreate(jiraError(504)), ctx);
    expect(d.kind).toBe('retry');
    expect(d.kind === 'retry' && d.delayMs).toBeGreaterThanOrEqual(30_000);
  });

  it('an edit whose answer was lost waits as long as a lost create before its issue is read again', () => {
    const d = decide(new LostEdit(jiraError(504)), ctx);
    expect(d.kind).toBe('retry');
    expect(d.kind === 'retry' && d.delayMs).toBeGreaterThanOrEqual(30_000);
    // The same failure as a plain Jira error would be retried at once.
    const plain = decide(jiraError(504), ctx);
    expect(plain.kind === 'retry' && plain.delayMs).toBeLessThan(5_000);
  });

  it('a retryable Jira error honours Retry-After; elements a bulk create deferred are retried', () => {
    const d = decide(jiraError(429, { retryAfterMs: 7_000 }), ctx);
    expect(d.kind === 'retry' && d.delayMs).toBeGreaterThanOrEqual(7_000);
    // Never earlier, and hardly later: the Jira client's own jitter (at most 5 %, at most 1 s).
    expect(d.kind === 'retry' && d.delayMs).toBeLessThanOrEqual(7_350);
    const long = decide(jiraError(429, { retryAfterMs: 600_000 }), ctx);
    expect(long.kind === 'retry' && long.delayMs).toBeGreaterThanOrEqual(600_000);
    expect(long.kind === 'retry' && long.delayMs).toBeLessThanOrEqual(601_000);
    expect(decide(new CreateDeferred(503, 'busy'), ctx).kind).toBe('retry');
  });

  it('an outage shows on health only after a few tries', () => {
    expect(decide(jiraError(503), ctx)).toMatchObject({ health: undefined });
    expect(decide(jiraError(503), { ...ctx, attempts: 5 })).toMatchObject({ health: { code: 'jira_unavailable' } });
  });

  it('a Jira refusal outside a write is set aside with Jira’s words', () => {
    expect(decide(jiraError(403), ctx)).toMatchObject({ kind: 'set-aside', health: { code: 'jira_refused', message: expect.stringContaining('words') } });
    // A 401 is Jira not taking the app's credentials, not a refusal of the event: retried, with the client built afresh.
    expect(decide(jiraError(401), ctx)).toMatchObject({ kind: 'retry', health: { code: 'jira_unauthorized' } });
    // One that outlasts a few tries is a refusal: set aside, so the events after it go on.
    expect(decide(jiraError(401), { ...ctx, attempts: CREDENTIAL_ATTEMPTS - 1 })).toMatchObject({ kind: 'set-aside', health: { code: 'jira_refused' } });
  });

  it('an unreachable database is retried, the event is not blamed', () => {
    expect(decide(new ConnectionRefusedError(new Error('connect ECONNREFUSED')), ctx).kind).toBe('retry');
    const busy = Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' });
    expect(decide(busy, { ...ctx, attempts: 50 }).kind).toBe('retry');
    const deadlock = new DatabaseError(Object.assign(new Error('deadlock detected'), { code: '40P01', sql: '' }) as never);
    expect(decide(deadlock, ctx).kind).toBe('retry');
  });

  it('a poison event (a statement refused for its values, a payload that does not parse) is set aside at once', () => {
    const refused = new DatabaseError(Object.assign(new Error('SQLITE_ERROR: unrecognized token'), { code: 'SQLITE_ERROR', sql: '' }) as never);
    expect(decide(refused, ctx)).toMatchObject({ kind: 'set-aside', health: { code: 'processing_failed' } });
    let parseError: unknown;
    try {
      JSON.parse('{"Content": ');
    } catch (err) {
      parseError = err;
    }
    expect(decide(parseError, ctx).kind).toBe('set-aside');
  });

  it('an unexplained fault is retried a few times, then set aside', () => {
    expect(decide(new Error('odd'), ctx).kind).toBe('retry');
    expect(decide(new Error('odd'), { ...ctx, attempts: MAX_UNEXPECTED_ATTEMPTS - 1 })).toMatchObject({ kind: 'set-aside', reason: expect.stringContaining('odd') });
  });
});
