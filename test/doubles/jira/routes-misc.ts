import { JqlError, parseJql, runJql } from './jql.js';
import { fieldList, issueJson, jiraError, ok, projectJson, propertyList, typeJson, type Answer, type Ctx, type Route } from './router.js';

/** REST v3 enhanced JQL search, permission checks, projects and issue types. */
type Json = Record<string, unknown>;

function search(ctx: Ctx, input: { jql?: unknown; fields?: unknown; properties?: unknown; maxResults?: unknown; nextPageToken?: unknown }): Answer {
  const jql = typeof input.jql === 'string' ? input.jql : '';
  const fields = fieldList(input.fields, []);
  const properties = propertyList(input.properties);
  // Jira returns the most per page when only ids/keys are asked for.
  const cap = fields.every((f) => f === 'id' || f === 'key') && properties.length === 0 ? 5000 : 100;
  const maxResults = Math.min(cap, Math.max(1, Number(input.maxResults ?? 50) || 50));
  let offset = 0;
  if (input.nextPageToken !== undefined && input.nextPageToken !== null) {
    try {
      const t = JSON.parse(Buffer.from(String(input.nextPageToken), 'base64url').toString()) as { o?: unknown; q?: unknown };
      if (typeof t.o !== 'number' || t.q !== jql) throw new Error('mismatch');
      offset = t.o;
    } catch {
      return jiraError(400, 'The nextPageToken is invalid or does not belong to this query.');
    }
  }
  let found;
  try {
    found = runJql(ctx.site.store, parseJql(jql, ctx.site.propertyAliases), ctx.site.propertyIndex);
    if (ctx.site.searchLagMs > 0) {
      const indexedBefore = Date.now() - ctx.site.searchLagMs;
      found = found.filter((issue) => Date.parse(issue.created.replace('+0000', 'Z')) <= indexedBefore);
    }
  } catch (err) {
    if (err instanceof JqlError) return jiraError(400, err.message);
    throw err;
  }
  const page = found.slice(offset, offset + maxResults);
  const isLast = offset + page.length >= found.length;
  const issues = page.map((issue) => {
    // Enhanced search returns only ids unless fields are asked for.
    if (fields.length === 0 && properties.length === 0) return { id: issue.id };
    return issueJson(ctx.site, issue, fields.filter((f) => f !== 'id' && f !== 'key'), properties);
  });
  const body: Json = { issues, isLast };
  if (!isLast) body.nextPageToken = Buffer.from(JSON.stringify({ o: offset + page.length, q: jql })).toString('base64url');
  return ok(body);
}

const GLOBAL_PERMISSIONS = new Set(['ADMINISTER', 'SYSTEM_ADMIN', 'USER_PICKER', 'CREATE_SHARED_OBJECTS', 'BULK_CHANGE', 'MANAGE_GROUP_FILTER_SUBSCRIPTIONS']);

export const miscRoutes: Route[] = [
  { method: 'POST', pattern: /^\/rest\/api\/3\/search\/jql$/, handle: (ctx) => search(ctx, (ctx.body ?? {}) as Json) },
  {
    method: 'GET',
    pattern: /^\/rest\/api\/3\/search\/jql$/,
    handle: (ctx) =>
      search(ctx, {
        jql: ctx.query.get('jql') ?? undefined,
        fields: ctx.query.getAll('fields').join(',') || undefined,
        properties: ctx.query.getAll('properties').join(',') || undefined,
        maxResults: ctx.query.get('maxResults') ?? undefined,
        nextPageToken: ctx.query.get('nextPageToken') ?? undefined,
      }),
  },
  {
    method: 'POST',
    pattern: /^\/rest\/api\/3\/permissions\/check$/,
    handle: (ctx) => {
      const body = (ctx.body ?? {}) as { globalPermissions?: unknown; accountId?: unknown; projectPermissions?: unknown };
      const asked = Array.isArray(body.globalPermissions) ? body.globalPermissions.map(String) : [];
      const unknown = asked.filter((p) => !GLOBAL_PERMISSIONS.has(p));
      if (unknown.length) return jiraError(400, `Unrecognized global permissions: ${unknown.join(', ')}`);
      const user = typeof body.accountId === 'string' ? ctx.site.store.users.get(body.accountId) : undefined;
      const granted = asked.filter((p) => (p === 'ADMINISTER' || p === 'SYSTEM_ADMIN' ? user?.admin === true : user !== undefined));
      // Project permissions: only BROWSE_PROJECTS on issues (by id), as the app asks; Jira answers with the granted ids.
      const projectAsks = Array.isArray(body.projectPermissions) ? (body.projectPermissions as { permissions?: unknown; issues?: unknown }[]) : [];
      const projectPermissions = [];
      for (const ask of projectAsks) {
        const permissions = Array.isArray(ask.permissions) ? ask.permissions.map(String) : [];
        if (permissions.some((p) => p !== 'BROWSE_PROJECTS')) return jiraError(400, `Unsupported project permissions: ${permissions.join(', ')}`);
        const issueIds = Array.isArray(ask.issues) ? ask.issues : [];
        if (issueIds.some((i) => !Number.isSafeInteger(i))) return jiraError(400, 'issues must be issue ids (integers).');
        const visible = issueIds.filter((id) => {
          const issue = ctx.site.store.findIssue(String(id));
          const project = issue && [...ctx.site.store.projects.values()].find((p) => p.id === issue.projectId);
          return user !== undefined && project !== undefined && !user.hiddenProjects?.has(project.key);
        });
        projectPermissions.push({ permission: 'BROWSE_PROJECTS', issues: visible, projects: [] });
      }
      return ok({ globalPermissions: granted, projectPermissions });
    },
  },
  {
    method: 'GET',
    pattern: /^\/rest\/api\/3\/project\/search$/,
    handle: (ctx) => {
      const query = (ctx.query.get('query') ?? '').toLowerCase();
      const startAt = Math.max(0, Number(ctx.query.get('startAt') ?? 0) || 0);
      const maxResults = Math.min(100, Math.max(1, Number(ctx.query.get('maxResults') ?? 50) || 50));
      const all = [...ctx.site.store.projects.values()]
        .filter((p) => p.browse && (p.key.toLowerCase().includes(query) || p.name.toLowerCase().includes(query)))
        .sort((a, b) => a.key.localeCompare(b.key));
      const values = all.slice(startAt, startAt + maxResults).map((p) => projectJson(ctx.site, p, false));
      const isLast = startAt + values.length >= all.length;
      return ok({ self: `${ctx.site.url}${ctx.path}`, maxResults, startAt, total: all.length, isLast, values });
    },
  },
  {
    method: 'GET',
    pattern: /^\/rest\/api\/3\/project\/([^/]+)$/,
    handle: (ctx, [key = '']) => {
      const project = ctx.site.store.visibleProject(key);
      if (!project) return jiraError(404, `No project could be found with key '${key}'.`);
      return ok(projectJson(ctx.site, project, true));
    },
  },
  {
    method: 'GET',
    pattern: /^\/rest\/api\/3\/issuetype\/project$/,
    handle: (ctx) => {
      const id = ctx.query.get('projectId');
      if (!id) return jiraError(400, 'The projectId parameter is required.');
      const project = ctx.site.store.visibleProject(id);
      if (!project || project.id !== id) return jiraError(404, 'No project could be found with this id.');
      return ok(ctx.site.store.typesOf(project).map((t) => typeJson(ctx.site, t)));
    },
  },
  {
    method: 'GET',
    pattern: /^\/rest\/api\/3\/serverInfo$/,
    handle: (ctx) => ok({ baseUrl: ctx.site.url, version: '1001.0.0-SNAPSHOT', deploymentType: 'Cloud', serverTitle: 'Jira (double)' }),
  },
];
