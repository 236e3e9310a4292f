import { JiraError, parseJiraErrorBody } from './errors.js';
import type { JiraAuth } from './auth.js';
import { JiraTransport, type JiraClientOptions } from './transport.js';
import { JiraFeatureFlags } from './feature-flags.js';
import type {
  BulkCreateResult,
  BulkFailure,
  CreateIssueInput,
  EditIssueInput,
  IssueRef,
  JiraIssue,
  JiraProject,
  JiraProjectDetails,
  SearchHit,
} from './types.js';

/** Jira Cloud caps one bulk create at 50 issues. */
export const BULK_CREATE_MAX = 50;
/** Jira Cloud's bulk fetch reads at most 100 issues a call. */
export const BULK_FETCH_MAX = 100;
const ISSUE_FIELDS = 'summary,description,issuetype,project,created,updated';

type Json = Record<string, unknown>;
const enc = encodeURIComponent;

/**
 * A typed client for the few Jira Cloud REST v3 calls the app makes, as the app itself (Connect JWT).
 * Retryable failures are retried here within a small budget; what is left is thrown as a JiraError for the
 * durable worker to reschedule or to record as a permanent refusal.
 */
export class JiraClient {
  private readonly http: JiraTransport;
  /** The Releases panel's feature flags and bulk issue properties, on the same transport. */
  readonly featureFlags: JiraFeatureFlags;

  constructor(auth: JiraAuth, opts: JiraClientOptions = {}) {
    this.http = new JiraTransport(auth, opts);
    this.featureFlags = new JiraFeatureFlags(this.http);
  }

  /** Creates one issue (with its properties). Not repeated after an ambiguous failure: the caller reconciles. */
  async createIssue(input: CreateIssueInput): Promise<IssueRef> {
    const res = await this.http.call('POST', '/rest/api/3/issue', { body: issueUpdate(input), safeToRepeat: false });
    return issueRef(res.json);
  }

  /** Creates up to 50 issues in one call; Jira reports failures per element. */
  async bulkCreate(inputs: CreateIssueInput[]): Promise<BulkCreateResult> {
    if (inputs.length > BULK_CREATE_MAX) throw new RangeError(`bulkCreate takes at most ${BULK_CREATE_MAX} issues`);
    if (inputs.length === 0) return { created: [], failures: [] };
    const res = await this.http.call('POST', '/rest/api/3/issue/bulk', {
      body: { issueUpdates: inputs.map(issueUpdate) },
      safeToRepeat: false,
      // Jira answers 400 when no element could be created, with the same per-element body.
      acceptStatuses: [400],
    });
    const body = (res.json ?? {}) as { issues?: unknown[]; errors?: unknown[] };
    if (res.status === 400 && !Array.isArray(body.errors)) {
      const { errorMessages, fieldErrors } = parseJiraErrorBody(JSON.stringify(res.json ?? {}));
      throw new JiraError({ kind: 'http', status: 400, method: 'POST', path: '/rest/api/3/issue/bulk', retryable: false, ambiguous: false, errorMessages, fieldErrors });
    }
    const failures: BulkFailure[] = (body.errors ?? []).map(bulkFailure);
    const failed = new Set(failures.map((f) => f.index));
    const issues = (body.issues ?? []).map(issueRef);
    const created: (IssueRef | undefined)[] = [];
    let next = 0;
    for (let i = 0; i < inputs.length; i++) created.push(failed.has(i) ? undefined : issues[next++]);
    return { created, failures };
  }

  /** Field changes, one comment and property sets in ONE write (Jira's per-issue write limit). */
  async editIssue(idOrKey: string, edit: EditIssueInput): Promise<void> {
    const body: Json = {};
    if (edit.fields && Object.keys(edit.fields).length > 0) body.fields = edit.fields;
    if (edit.comment) body.update = { comment: [{ add: { body: edit.comment } }] };
    if (edit.properties?.length) body.properties = edit.properties;
    if (Object.keys(body).length === 0) return;
    await this.http.call('PUT', `/rest/api/3/issue/${enc(idOrKey)}`, { body, safeToRepeat: !edit.comment });
  }

  /** The issue, or null when Jira says it does not exist (deleted, or not visible to the app). */
  async getIssue(idOrKey: string, opts: { properties?: string[] } = {}): Promise<JiraIssue | null> {
    const q = new URLSearchParams({ fields: ISSUE_FIELDS });
    if (opts.properties?.length) q.set('properties', opts.properties.join(','));
    const res = await this.http.call('GET', `/rest/api/3/issue/${enc(idOrKey)}?${q}`, { safeToRepeat: true, acceptStatuses: [404] });
    if (res.status === 404) return null;
    const issue = res.json as Json & { fields?: Json; properties?: Json };
    const f = issue.fields ?? {};
    const type = (f.issuetype ?? {}) as Json;
    const project = (f.project ?? {}) as Json;
    return {
      ...issueRef(issue),
      summary: String(f.summary ?? ''),
      description: f.description ?? null,
      issueType: { id: String(type.id ?? ''), name: String(type.name ?? '') },
      project: { id: String(project.id ?? ''), key: String(project.key ?? ''), name: String(project.name ?? '') },
      created: String(f.created ?? ''),
      updated: String(f.updated ?? ''),
      properties: issue.properties ?? {},
    };
  }

  /**
   * Up to BULK_FETCH_MAX issues by key or id, read from Jira's store rather than its search index (so an
   * issue made a moment ago is found); keys that name no visible issue are left out.
   */
  async bulkFetch(idsOrKeys: string[], opts: { properties?: string[] } = {}): Promise<SearchHit[]> {
    if (idsOrKeys.length > BULK_FETCH_MAX) throw new RangeError(`bulkFetch takes at most ${BULK_FETCH_MAX} issues`);
    if (idsOrKeys.length === 0) return [];
    const res = await this.http.call('POST', '/rest/api/3/issue/bulkfetch', {
      body: { issueIdsOrKeys: idsOrKeys, fields: ['id'], properties: opts.properties ?? [] },
      safeToRepeat: true,
    });
    const issues = ((res.json ?? {}) as { issues?: (Json & { fields?: Json; properties?: Json })[] }).issues ?? [];
    return issues.map((issue) => ({ ...issueRef(issue), fields: issue.fields ?? {}, properties: issue.properties ?? {} }));
  }

  /** The property's value, or null when the issue or the property does not exist. */
  async getIssueProperty(idOrKey: string, propertyKey: string): Promise<unknown | null> {
    const res = await this.http.call('GET', `/rest/api/3/issue/${enc(idOrKey)}/properties/${enc(propertyKey)}`, {
      safeToRepeat: true,
      acceptStatuses: [404],
    });
    if (res.status === 404) return null;
    return (res.json as { value?: unknown }).value ?? null;
  }

  async setIssueProperty(idOrKey: string, propertyKey: string, value: unknown): Promise<void> {
    await this.http.call('PUT', `/rest/api/3/issue/${enc(idOrKey)}/properties/${enc(propertyKey)}`, { body: value, safeToRepeat: true });
  }

  /**
   * Every issue matching `jql` (enhanced search, following nextPageToken), up to `limit`.
   * Jira Cloud indexes asynchronously: an issue written a moment ago may not be found yet.
   */
  async searchJql(jql: string, fields: string[] = [], opts: { properties?: string[]; limit?: number } = {}): Promise<SearchHit[]> {
    const limit = opts.limit ?? 1000;
    const hits: SearchHit[] = [];
    let nextPageToken: string | undefined;
    do {
      const res = await this.http.call('POST', '/rest/api/3/search/jql', {
        // Asking for at least one field makes Jira return each issue's key, not only its id.
        body: { jql, fields: fields.length ? fields : ['summary'], properties: opts.properties ?? [], maxResults: Math.min(100, limit - hits.length), ...(nextPageToken ? { nextPageToken } : {}) },
        safeToRepeat: true,
      });
      const page = res.json as { issues?: (Json & { fields?: Json; properties?: Json })[]; nextPageToken?: string; isLast?: boolean };
      for (const issue of page.issues ?? []) {
        hits.push({ ...issueRef(issue), fields: issue.fields ?? {}, properties: issue.properties ?? {} });
      }
      nextPageToken = page.isLast === false || (page.isLast === undefined && page.nextPageToken) ? page.nextPageToken : undefined;
    } while (nextPageToken && hits.length < limit);
    return hits;
  }

  /** Whether the user holds Jira's global ADMINISTER permission (a site or Jira admin). */
  async hasGlobalAdmin(accountId: string): Promise<boolean> {
    const res = await this.http.call('POST', '/rest/api/3/permissions/check', {
      body: { globalPermissions: ['ADMINISTER'], accountId },
      safeToRepeat: true,
    });
    const granted = (res.json as { globalPermissions?: unknown[] }).globalPermissions ?? [];
    return granted.includes('ADMINISTER');
  }

  /** Whether the user may see the issue (BROWSE_PROJECTS on it), asked of Jira as the app. */
  async canBrowseIssue(accountId: string, issueId: string): Promise<boolean> {
    const res = await this.http.call('POST', '/rest/api/3/permissions/check', {
      body: { accountId, projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], issues: [Number(issueId)] }] },
      safeToRepeat: true,
    });
    const granted = (res.json as { projectPermissions?: { permission?: unknown; issues?: unknown[] }[] }).projectPermissions ?? [];
    return granted.some((g) => g.permission === 'BROWSE_PROJECTS' && (g.issues ?? []).map(String).includes(issueId));
  }

  /** Projects visible to the app whose key or name contains `query`. */
  async searchProjects(query: string, max = 50): Promise<JiraProject[]> {
    const q = new URLSearchParams({ query, maxResults: String(max) });
    const res = await this.http.call('GET', `/rest/api/3/project/search?${q}`, { safeToRepeat: true });
    const values = (res.json as { values?: Json[] }).values ?? [];
    return values.map((p) => ({ id: String(p.id), key: String(p.key), name: String(p.name) }));
  }

  /** The project with its issue types, or null when it does not exist or the app cannot see it. */
  async getProject(idOrKey: string): Promise<JiraProjectDetails | null> {
    const res = await this.http.call('GET', `/rest/api/3/project/${enc(idOrKey)}`, { safeToRepeat: true, acceptStatuses: [404] });
    if (res.status === 404) return null;
    const p = res.json as Json & { issueTypes?: Json[] };
    return {
      id: String(p.id),
      key: String(p.key),
      name: String(p.name),
      issueTypes: (p.issueTypes ?? []).map((t) => ({ id: String(t.id), name: String(t.name), subtask: t.subtask === true })),
    };
  }
}

function issueUpdate(input: CreateIssueInput): Json {
  const fields: Json = { project: input.project, issuetype: input.issueType, summary: input.summary };
  if (input.description) fields.description = input.description;
  return input.properties?.length ? { fields, properties: input.properties } : { fields };
}

function issueRef(v: unknown): IssueRef {
  const o = (v ?? {}) as Json;
  return { id: String(o.id), key: String(o.key) };
}

function bulkFailure(v: unknown): BulkFailure {
  const e = (v ?? {}) as { status?: number; failedElementNumber?: number; elementErrors?: { errorMessages?: string[]; errors?: Record<string, string> } };
  const errors = e.elementErrors?.errors ?? {};
  const words = [...(e.elementErrors?.errorMessages ?? []), ...Object.entries(errors).map(([k, m]) => `${k}: ${m}`)];
  return { index: e.failedElementNumber ?? -1, status: e.status ?? 400, message: words.join('; ') || 'refused by Jira', errors };
}
