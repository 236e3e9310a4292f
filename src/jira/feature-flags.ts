/**
 * Jira's feature-flag API (the Releases panel) and the bulk issue-property calls, as the app itself.
 * All are idempotent (a flag replaces itself; a property set sets, a delete deletes), so every failure
 * may be repeated.
 */
import type { JiraTransport } from './transport.js';
import { JiraError } from './errors.js';
import type { JiraFeatureFlag } from '../flags/render/feature-flag.js';

/** Jira takes 1 to 100 flags per submission. */
export const FEATURE_FLAGS_PER_CALL = 100;
/** Jira sets properties on at most 100 issues per bulk call. */
export const ISSUES_PER_PROPERTY_CALL = 100;
/** Issues named in one bulk property delete (Jira states no limit; this keeps each body small). */
export const ISSUES_PER_PROPERTY_DELETE = 1000;
/** How long a bulk property task is waited for before it is taken as under way. */
const TASK_WAIT_MS = 5_000;

export interface FeatureFlagSubmission {
  /** Ids Jira accepted (a stale updateSequenceId is accepted too, and ignored). */
  accepted: string[];
  /** Flags Jira refused, with its reasons: a repeat would be refused again. */
  failed: { id: string; messages: string[] }[];
  /** Issue keys Jira does not know (it keeps the flag with the keys it knows). */
  unknownIssueKeys: string[];
}

export class JiraFeatureFlags {
  constructor(private readonly http: JiraTransport) {}

  /** Submits up to 100 whole flags; `properties` (the same for all) tag them for deletion later. */
  async submit(properties: Record<string, string>, flags: JiraFeatureFlag[]): Promise<FeatureFlagSubmission> {
    if (flags.length === 0) return { accepted: [], failed: [], unknownIssueKeys: [] };
    if (flags.length > FEATURE_FLAGS_PER_CALL) throw new RangeError(`submit takes at most ${FEATURE_FLAGS_PER_CALL} flags`);
    const res = await this.http.call('POST', '/rest/featureflags/0.1/bulk', { body: { properties, flags }, safeToRepeat: true });
    const body = (res.json ?? {}) as {
      acceptedFeatureFlags?: unknown[];
      failedFeatureFlags?: Record<string, { message?: unknown }[]> | { id?: unknown; errors?: { message?: unknown }[] }[];
      unknownIssueKeys?: unknown[];
    };
    return {
      accepted: (body.acceptedFeatureFlags ?? []).map(String),
      failed: failures(body.failedFeatureFlags),
      unknownIssueKeys: (body.unknownIssueKeys ?? []).map(String),
    };
  }

  /** Deletes every flag the app submitted with these properties (e.g. one association's). */
  async deleteByProperties(properties: Record<string, string>): Promise<void> {
    const q = new URLSearchParams(properties);
    if ([...q.keys()].length === 0) throw new RangeError('deleteByProperties needs at least one property');
    await this.http.call('DELETE', `/rest/featureflags/0.1/bulkByProperties?${q}`, { safeToRepeat: true });
  }

  /**
   * Sets one property on up to 100 issues (by id) in one call. Jira answers 303 to its task: the work
   * is accepted (following the redirect with this call's JWT would only be refused: its qsh names this path).
   */
  async setIssuePropertyBulk(propertyKey: string, values: { issueId: string; value: unknown }[]): Promise<PropertyTask | undefined> {
    if (values.length === 0) return undefined;
    if (values.length > ISSUES_PER_PROPERTY_CALL) throw new RangeError(`setIssuePropertyBulk takes at most ${ISSUES_PER_PROPERTY_CALL} issues`);
    const issues = values.map(({ issueId, value }) => {
      const id = Number(issueId);
      if (!Number.isSafeInteger(id)) throw new RangeError(`not an issue id: ${issueId}`);
      return { issueID: id, properties: { [propertyKey]: value } };
    });
    return taskOf(await this.http.call('POST', '/rest/api/3/issue/properties/multi', { body: { issues }, safeToRepeat: true, acceptStatuses: [303] }));
  }

  /**
   * Deletes one property from these issues (by id; only these: without ids Jira would take every issue
   * the app may edit). Asynchronous in Jira as the bulk set is: 303 to its task is accepted.
   */
  async deleteIssuePropertyBulk(propertyKey: string, issueIds: readonly string[]): Promise<PropertyTask | undefined> {
    if (issueIds.length === 0) return undefined;
    if (issueIds.length > ISSUES_PER_PROPERTY_DELETE) throw new RangeError(`deleteIssuePropertyBulk takes at most ${ISSUES_PER_PROPERTY_DELETE} issues`);
    const entityIds = issueIds.map((issueId) => {
      const id = Number(issueId);
      if (!Number.isSafeInteger(id)) throw new RangeError(`not an issue id: ${issueId}`);
      return id;
    });
    return taskOf(
      await this.http.call('DELETE', `/rest/api/3/issue/properties/${encodeURIComponent(propertyKey)}`, { body: { entityIds }, safeToRepeat: true, acceptStatuses: [303] }),
    );
  }

  /**
   * How a bulk property task ended, asked with a newly signed call (following the 303 with the first
   * call's JWT would be refused): `unfinished` when it is still queued or running after `waitMs`, or
   * when Jira does not say (the call was accepted; how it ended is then not known).
   * Jira runs a bulk delete all or nothing: `failed` means no issue changed.
   */
  async taskOutcome(task: PropertyTask, waitMs = TASK_WAIT_MS): Promise<'complete' | 'failed' | 'unfinished'> {
    const until = Date.now() + waitMs;
    for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
      let res;
      try {
        res = await this.http.call('GET', `/rest/api/3/task/${encodeURIComponent(task.id)}`, { safeToRepeat: true });
      } catch (err) {
        if (err instanceof JiraError) return 'unfinished';
        throw err;
      }
      const status = (res.json as { status?: unknown } | undefined)?.status;
      if (status === 'COMPLETE') return 'complete';
      if (status === 'FAILED' || status === 'CANCELLED' || status === 'DEAD') return 'failed';
      if (Date.now() + pauseMs > until) return 'unfinished';
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

/** A bulk property call's task in Jira (its 303 names it). */
export interface PropertyTask {
  id: string;
}

const taskOf = (answer: { location?: string }): PropertyTask | undefined => {
  const id = answer.location ? /\/rest\/api\/[23]\/task\/([^/?#]+)/.exec(answer.location)?.[1] : undefined;
  return id ? { id: decodeURIComponent(id) } : undefined;
};

/** Jira's failedFeatureFlags: documented as a map of id to errors; older answers list { id, errors }. */
function failures(raw: unknown): { id: string; messages: string[] }[] {
  if (!raw || typeof raw !== 'object') return [];
  const messages = (errs: unknown): string[] =>
    Array.isArray(errs) ? errs.map((e) => String((e as { message?: unknown })?.message ?? 'refused by Jira')) : ['refused by Jira'];
  if (Array.isArray(raw)) return raw.map((f: { id?: unknown; errors?: unknown }) => ({ id: String(f.id), messages: messages(f.errors) }));
  return Object.entries(raw as Record<string, unknown>).map(([id, errs]) => ({ id, messages: messages(errs) }));
}
