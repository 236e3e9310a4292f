import type { PropertyAliases, PropertyIndex } from './jql.js';
import type { Refusal } from './issue-rules.js';
import type { Comment, Issue, JiraStore, Project } from './store.js';

/** The small routing layer of the double's REST API and the JSON shapes shared by its routes. */
export interface Site {
  store: JiraStore;
  /** The site's baseUrl (with its context path, no trailing slash). */
  url: string;
  /** The app's own Atlassian account (the author of what it writes). */
  appAccountId: string;
  /** Searchable property paths from the app's descriptor; undefined when the descriptor is unknown. */
  propertyIndex: PropertyIndex | undefined;
  /** JQL aliases from the app's descriptor (empty when it is unknown). */
  propertyAliases: PropertyAliases;
  /**
   * How long a new issue stays out of search results, as Jira Cloud's asynchronous index leaves it
   * (0: searchable at once). Reads by key or id are never affected.
   */
  searchLagMs: number;
}

export interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  site: Site;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handle: (ctx: Ctx, params: string[]) => Answer;
}

export const ok = (body: unknown, status = 200): Answer => ({ status, body });
export const noContent = (): Answer => ({ status: 204 });
export const fail = (r: Refusal): Answer => ({ status: r.status, body: { errorMessages: r.errorMessages, errors: r.errors } });
export const jiraError = (status: number, ...errorMessages: string[]): Answer => ({ status, body: { errorMessages, errors: {} } });
export const NO_ISSUE = 'Issue does not exist or you do not have permission to see it.';

export function findRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | 'method-not-allowed' | undefined {
  let pathKnown = false;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (route.method === method) return { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return pathKnown ? 'method-not-allowed' : undefined;
}

export const ALL_FIELDS = ['summary', 'description', 'issuetype', 'project', 'created', 'updated', 'comment'];

/** Field names asked for, as Jira reads `fields`: a list or comma string; `*all` / `*navigable` mean every field. */
export function fieldList(raw: unknown, fallback: string[]): string[] {
  const list = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!list) return fallback;
  const names = list.map((s) => s.trim()).filter(Boolean);
  if (names.some((n) => n === '*all' || n === '*navigable')) return ALL_FIELDS;
  return names.filter((n) => ALL_FIELDS.includes(n) || n === 'key' || n === 'id');
}

export function propertyList(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw === 'string' && raw) return raw.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

export function projectJson(site: Site, p: Project, withTypes: boolean): Record<string, unknown> {
  const base = { self: `${site.url}/rest/api/3/project/${p.id}`, id: p.id, key: p.key, name: p.name, projectTypeKey: 'software', simplified: false, style: 'classic' };
  return withTypes ? { ...base, issueTypes: site.store.typesOf(p).map((t) => typeJson(site, t)) } : base;
}

export function typeJson(site: Site, t: { id: string; name: string; subtask: boolean }): Record<string, unknown> {
  return { self: `${site.url}/rest/api/3/issuetype/${t.id}`, id: t.id, name: t.name, description: '', subtask: t.subtask, hierarchyLevel: t.subtask ? -1 : 0 };
}

export function commentJson(site: Site, issue: Issue, c: Comment): Record<string, unknown> {
  return {
    self: `${site.url}/rest/api/3/issue/${issue.id}/comment/${c.id}`,
    id: c.id,
    author: { accountId: c.authorAccountId, accountType: 'app', displayName: 'AppConfig Flags' },
    body: c.body,
    created: c.created,
    updated: c.updated,
    jsdPublic: true,
  };
}

/** An issue as REST v3 shows it, with the fields and properties asked for. */
export function issueJson(site: Site, issue: Issue, fields: string[], properties: string[]): Record<string, unknown> {
  const store = site.store;
  const project = store.projectOf(issue);
  const type = store.issueTypes.get(issue.issueTypeId);
  const all: Record<string, () => unknown> = {
    summary: () => issue.summary,
    description: () => issue.description,
    issuetype: () => (type ? typeJson(site, type) : null),
    project: () => projectJson(site, project, false),
    created: () => issue.created,
    updated: () => issue.updated,
    comment: () => ({ comments: issue.comments.map((c) => commentJson(site, issue, c)), maxResults: issue.comments.length, total: issue.comments.length, startAt: 0 }),
  };
  const f: Record<string, unknown> = {};
  for (const name of fields) if (all[name]) f[name] = all[name]();
  const out: Record<string, unknown> = { expand: '', id: issue.id, self: `${site.url}/rest/api/3/issue/${issue.id}`, key: issue.key, fields: f };
  if (properties.length > 0) {
    const props: Record<string, unknown> = {};
    for (const p of properties) if (issue.properties.has(p)) props[p] = issue.properties.get(p);
    out.properties = props;
  }
  return out;
}
