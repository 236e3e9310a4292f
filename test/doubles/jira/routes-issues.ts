import { isRefusal, planCreate, planEdit, propertiesProblem, refusal, richTextProblem } from './issue-rules.js';
import { ALL_FIELDS, commentJson, fail, fieldList, issueJson, jiraError, NO_ISSUE, noContent, ok, propertyList, type Ctx, type Route } from './router.js';
import { jiraTime, type Issue } from './store.js';

/** REST v3 issue endpoints: create, bulk create, get, edit (fields + comment + properties), delete, comments, properties. */
const BULK_MAX = 50;
const BULK_FETCH_MAX = 100;
const ISSUE = String.raw`/rest/api/3/issue/([^/]+)`;

function created(ctx: Ctx, issue: Issue): Record<string, unknown> {
  return { id: issue.id, key: issue.key, self: `${ctx.site.url}/rest/api/3/issue/${issue.id}` };
}

function createOne(ctx: Ctx, element: unknown) {
  const plan = planCreate(ctx.site.store, element);
  if (isRefusal(plan)) return plan;
  return ctx.site.store.createIssue(plan.project, plan.issueTypeId, plan.summary, plan.description, plan.properties);
}

function visible(ctx: Ctx, idOrKey: string): Issue | undefined {
  return ctx.site.store.visibleIssue(idOrKey);
}

function writable(ctx: Ctx, issue: Issue, what: string) {
  return ctx.site.store.projectOf(issue).write ? undefined : jiraError(403, `You do not have permission to ${what}.`);
}

export const issueRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/rest\/api\/3\/issue$/,
    handle: (ctx) => {
      const result = createOne(ctx, ctx.body);
      return isRefusal(result) ? fail(result) : ok(created(ctx, result), 201);
    },
  },
  {
    method: 'POST',
    pattern: /^\/rest\/api\/3\/issue\/bulk$/,
    handle: (ctx) => {
      const updates = (ctx.body as { issueUpdates?: unknown } | undefined)?.issueUpdates;
      if (!Array.isArray(updates) || updates.length === 0) return jiraError(400, 'Specify at least one issue to create in issueUpdates.');
      if (updates.length > BULK_MAX) return jiraError(400, `You can create at most ${BULK_MAX} issues in one bulk request; this one has ${updates.length}.`);
      const issues: Record<string, unknown>[] = [];
      const errors: Record<string, unknown>[] = [];
      updates.forEach((element, index) => {
        const result = createOne(ctx, element);
        if (isRefusal(result)) {
          errors.push({ status: result.status, elementErrors: { errorMessages: result.errorMessages, errors: result.errors, status: result.status }, failedElementNumber: index });
        } else issues.push(created(ctx, result));
      });
      return ok({ issues, errors }, issues.length > 0 ? 201 : 400);
    },
  },
  {
    // Bulk fetch: up to 100 issues by id or key, read from the store (never from the search index).
    method: 'POST',
    pattern: /^\/rest\/api\/3\/issue\/bulkfetch$/,
    handle: (ctx) => {
      const input = (ctx.body ?? {}) as { issueIdsOrKeys?: unknown; fields?: unknown; properties?: unknown };
      const wanted = input.issueIdsOrKeys;
      if (!Array.isArray(wanted) || wanted.length === 0 || !wanted.every((k) => typeof k === 'string')) {
        return jiraError(400, 'issueIdsOrKeys must list at least one issue id or key.');
      }
      if (wanted.length > BULK_FETCH_MAX) return jiraError(400, `You can fetch at most ${BULK_FETCH_MAX} issues at once.`);
      const fields = fieldList(input.fields, []);
      const properties = propertyList(input.properties);
      const issues: Record<string, unknown>[] = [];
      const issueErrors: string[] = [];
      for (const key of wanted as string[]) {
        const issue = visible(ctx, key);
        if (issue) issues.push(issueJson(ctx.site, issue, fields, properties));
        else issueErrors.push(key);
      }
      return ok({ expand: '', issues, issueErrors: issueErrors.length ? [{ errorMessages: [`Issues not found or not visible: ${issueErrors.join(', ')}`] }] : [] });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${ISSUE}$`),
    handle: (ctx, [key = '']) => {
      const issue = visible(ctx, key);
      if (!issue) return jiraError(404, NO_ISSUE);
      return ok(issueJson(ctx.site, issue, fieldList(ctx.query.get('fields') ?? undefined, ALL_FIELDS), propertyList(ctx.query.get('properties') ?? undefined)));
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^${ISSUE}$`),
    handle: (ctx, [key = '']) => {
      const issue = visible(ctx, key);
      if (!issue) return jiraError(404, NO_ISSUE);
      const plan = planEdit(ctx.site.store, issue, ctx.body);
      if (isRefusal(plan)) return fail(plan);
      // Everything was checked above: apply the whole write at once.
      if (plan.summary !== undefined) issue.summary = plan.summary;
      if (plan.description !== undefined) issue.description = plan.description;
      for (const [k, v] of plan.properties) issue.properties.set(k, v);
      for (const body of plan.comments) ctx.site.store.addComment(issue, body, ctx.site.appAccountId);
      issue.updated = jiraTime();
      return noContent();
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^${ISSUE}$`),
    handle: (ctx, [key = '']) => {
      const issue = visible(ctx, key);
      if (!issue) return jiraError(404, NO_ISSUE);
      const denied = writable(ctx, issue, 'delete issues in this project');
      if (denied) return denied;
      ctx.site.store.deleteIssue(issue.id);
      return noContent();
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${ISSUE}/comment$`),
    handle: (ctx, [key = '']) => {
      const issue = visible(ctx, key);
      if (!issue) return jiraError(404, NO_ISSUE);
      const startAt = Math.max(0, Number(ctx.query.get('startAt') ?? 0) || 0);
      const maxResults = Math.min(5000, Math.max(1, Number(ctx.query.get('maxResults') ?? 5000) || 5000));
      const ordered = ctx.query.get('orderBy') === '-created' ? [...issue.comments].reverse() : issue.comments;
      const page = ordered.slice(startAt, startAt + maxResults).map((c) => commentJson(ctx.site, issue, c));
      return ok({ startAt, maxResults, total: issue.comments.length, comments: page });
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${ISSUE}/comment$`),
    handle: (ctx, [key = '']) => {
      const issue = visible(ctx, key);
      if (!issue) return jiraError(404, NO_ISSUE);
      const denied = writable(ctx, issue, 'add comments to this issue');
      if (denied) return denied;
      const body = (ctx.body as { body?: unknown } | undefined)?.body;
      if (body === undefined) return fail(refusal(400, [], { comment: 'Comment body can not be empty!' }));
      const problem = richTextProblem(body, false);
      if (problem) return fail(refusal(400, [], { comment: problem }));
      return ok(commentJson(ctx.site, issue, ctx.site.store.addComment(issue, body, ctx.site.appAccountId)), 201);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${ISSUE}/properties$`),
    handle: (ctx, [key = '']) => {
      const issue = visible(ctx, key);
      if (!issue) return jiraError(404, NO_ISSUE);
      const keys = [...issue.properties.keys()].map((k) => ({ self: `${ctx.site.url}/rest/api/3/issue/${issue.id}/properties/${encodeURIComponent(k)}`, key: k }));
      return ok({ keys });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${ISSUE}/properties/([^/]+)$`),
    handle: (ctx, [key = '', prop = '']) => {
      const issue = visible(ctx, key);
      if (!issue) return jiraError(404, NO_ISSUE);
      if (!issue.properties.has(prop)) return jiraError(404, `The property with key '${prop}' does not exist.`);
      return ok({ key: prop, value: issue.properties.get(prop) });
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^${ISSUE}/properties/([^/]+)$`),
    handle: (ctx, [key = '', prop = '']) => {
      const issue = visible(ctx, key);
      if (!issue) return jiraError(404, NO_ISSUE);
      const denied = writable(ctx, issue, 'edit issues in this project');
      if (denied) return denied;
      if (ctx.body === undefined) return jiraError(400, 'The property value must be given as the request body.');
      const problem = propertiesProblem([{ key: prop, value: ctx.body }]);
      if (problem) return jiraError(400, problem);
      const existed = issue.properties.has(prop);
      issue.properties.set(prop, ctx.body);
      return ok(undefined, existed ? 200 : 201);
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^${ISSUE}/properties/([^/]+)$`),
    handle: (ctx, [key = '', prop = '']) => {
      const issue = visible(ctx, key);
      if (!issue) return jiraError(404, NO_ISSUE);
      const denied = writable(ctx, issue, 'edit issues in this project');
      if (denied) return denied;
      if (!issue.properties.delete(prop)) return jiraError(404, `The property with key '${prop}' does not exist.`);
      return noContent();
    },
  },
];
