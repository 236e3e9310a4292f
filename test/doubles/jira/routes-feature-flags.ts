import { randomUUID } from 'node:crypto';
import { propertiesProblem } from './issue-rules.js';
import { jiraError, ok, type Answer, type Ctx, type Route } from './router.js';
import type { JiraStore } from './store.js';

/**
 * Jira's feature-flag API (Releases panel) as the app meets it: strict validation of every field of a
 * submission (400 naming the first problem), whole-flag replace, a lower or equal updateSequenceId
 * silently ignored (reported accepted, counted here for tests), unknown issue keys filtered out and
 * reported, a flag with no known key not stored; delete by properties; the bulk issue-property calls,
 * each answered 303 to a task that GET /rest/api/3/task/{id} reports on (all or nothing: a task made to
 * fail changes no issue).
 */
export interface StoredFeatureFlag {
  flag: Record<string, unknown> & { id: string; updateSequenceId: number; associations: { associationType: string; values: string[] }[]; details: Record<string, unknown>[] };
  properties: Record<string, string>;
}

export class FeatureFlagState {
  readonly flags = new Map<string, StoredFeatureFlag>();
  /**
   * Submissions Jira ignored because their updateSequenceId was not newer and they said something else
   * than the stored flag: stale state that a real Jira would have dropped silently.
   */
  staleIgnored = 0;
  /**
   * Submissions ignored as not newer that repeat the stored flag exactly (same sequence, same content):
   * a call re-sent after its answer was lost, harmless.
   */
  repeatsIgnored = 0;
  /** Every accepted submission's flag ids, in order (tests count what was sent). */
  readonly submissions: string[][] = [];
  /** Flag ids Jira is to refuse (failedFeatureFlags), with the message it gives. */
  readonly refuse = new Map<string, string>();
  /** Bulk property tasks answered (tests check batching). */
  readonly propertyTasks: { issues: number }[] = [];
  /** Bulk property deletes answered: the property, and how many issues were named (null: none, so all). */
  readonly propertyDeletes: { propertyKey: string; issues: number | null }[] = [];
  /** Bulk property tasks and how each ended. */
  readonly tasks = new Map<string, 'COMPLETE' | 'FAILED'>();
  /** How many of the next bulk property tasks fail (changing nothing). */
  failPropertyTasks = 0;
}

/** Answers a bulk property call with its task: `apply` runs unless the task is made to fail. */
function propertyTask(ctx: Ctx, apply: () => void): Answer {
  const state = featureFlagsOf(ctx.site.store);
  const id = randomUUID();
  if (state.failPropertyTasks > 0) {
    state.failPropertyTasks--;
    state.tasks.set(id, 'FAILED');
  } else {
    apply();
    state.tasks.set(id, 'COMPLETE');
  }
  return { status: 303, headers: { Location: `${ctx.site.url}/rest/api/3/task/${id}` } };
}

const states = new WeakMap<JiraStore, FeatureFlagState>();
export function featureFlagsOf(store: JiraStore): FeatureFlagState {
  let s = states.get(store);
  if (!s) states.set(store, (s = new FeatureFlagState()));
  return s;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ENV_TYPES = new Set(['development', 'testing', 'staging', 'production']);
const MAX_FLAGS = 100;

class Invalid extends Error {}
const need = (cond: boolean, message: string): void => {
  if (!cond) throw new Invalid(message);
};
function onlyKeys(o: Json, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) need(allowed.includes(k), `${where}: unknown field '${k}'.`);
}
const text = (v: unknown, max: number, where: string, required = true): void => {
  if (v === undefined && !required) return;
  need(typeof v === 'string' && v.length >= 1 && v.length <= max, `${where} must be a string of 1 to ${max} characters.`);
};
const url = (v: unknown, where: string, required: boolean): void => {
  if (v === undefined && !required) return;
  text(v, 2000, where);
  need(/^https?:\/\/[^\s]+$/.test(v as string), `${where} must be an absolute URL.`);
};
const time = (v: unknown, where: string): void =>
  need(typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v)), `${where} must be an RFC 3339 date-time.`);

function checkStatus(s: unknown, where: string): void {
  need(isObject(s), `${where} is required.`);
  const status = s as Json;
  onlyKeys(status, ['enabled', 'defaultValue', 'rollout'], where);
  need(typeof status.enabled === 'boolean', `${where}.enabled must be a boolean.`);
  text(status.defaultValue, 255, `${where}.defaultValue`, false);
  if (status.rollout === undefined) return;
  need(isObject(status.rollout), `${where}.rollout must be an object.`);
  const r = status.rollout as Json;
  onlyKeys(r, ['percentage', 'text', 'rules'], `${where}.rollout`);
  need(Object.keys(r).length === 1, `${where}.rollout must have exactly one of percentage, text or rules.`);
  if (r.percentage !== undefined) need(typeof r.percentage === 'number' && r.percentage >= 0 && r.percentage <= 100, `${where}.rollout.percentage must be 0 to 100.`);
  if (r.text !== undefined) text(r.text, 255, `${where}.rollout.text`);
  if (r.rules !== undefined) need(Number.isInteger(r.rules) && (r.rules as number) >= 0, `${where}.rollout.rules must be a whole number.`);
}

function checkFlag(f: unknown, i: number): void {
  const where = `flags[${i}]`;
  need(isObject(f), `${where} must be an object.`);
  const flag = f as Json;
  onlyKeys(flag, ['schemaVersion', 'id', 'key', 'updateSequenceId', 'displayName', 'associations', 'summary', 'details'], where);
  need(flag.schemaVersion === '1.0', `${where}.schemaVersion must be "1.0".`);
  text(flag.id, 255, `${where}.id`);
  text(flag.key, 255, `${where}.key`);
  need(Number.isSafeInteger(flag.updateSequenceId), `${where}.updateSequenceId must be an integer.`);
  text(flag.displayName, 255, `${where}.displayName`);
  need(Array.isArray(flag.associations) && flag.associations.length >= 1, `${where}.associations must list at least one association.`);
  (flag.associations as unknown[]).forEach((a, j) => {
    const w = `${where}.associations[${j}]`;
    need(isObject(a), `${w} must be an object.`);
    onlyKeys(a as Json, ['associationType', 'values'], w);
    need((a as Json).associationType === 'issueIdOrKeys', `${w}.associationType must be "issueIdOrKeys" (issueKeys is deprecated).`);
    const values = (a as Json).values;
    need(Array.isArray(values) && values.length >= 1 && values.length <= 500, `${w}.values must hold 1 to 500 issue ids or keys.`);
    for (const v of values as unknown[]) need(typeof v === 'string' && v.length > 0 && v.length <= 255, `${w}.values must be strings.`);
  });
  need(isObject(flag.summary), `${where}.summary is required.`);
  const summary = flag.summary as Json;
  onlyKeys(summary, ['url', 'status', 'lastUpdated'], `${where}.summary`);
  url(summary.url, `${where}.summary.url`, false);
  checkStatus(summary.status, `${where}.summary.status`);
  time(summary.lastUpdated, `${where}.summary.lastUpdated`);
  need(Array.isArray(flag.details) && flag.details.length >= 1, `${where}.details must list at least one environment.`);
  (flag.details as unknown[]).forEach((d, j) => {
    const w = `${where}.details[${j}]`;
    need(isObject(d), `${w} must be an object.`);
    const detail = d as Json;
    onlyKeys(detail, ['url', 'lastUpdated', 'environment', 'status'], w);
    url(detail.url, `${w}.url`, true);
    time(detail.lastUpdated, `${w}.lastUpdated`);
    need(isObject(detail.environment), `${w}.environment is required.`);
    const env = detail.environment as Json;
    onlyKeys(env, ['name', 'type'], `${w}.environment`);
    text(env.name, 255, `${w}.environment.name`);
    if (env.type !== undefined) need(typeof env.type === 'string' && ENV_TYPES.has(env.type), `${w}.environment.type must be one of development, testing, staging, production.`);
    checkStatus(detail.status, `${w}.status`);
  });
}

function checkProperties(p: unknown): Record<string, string> {
  if (p === undefined) return {};
  need(isObject(p), 'properties must be an object of string values.');
  const entries = Object.entries(p as Json);
  need(entries.length <= 5, 'properties may hold at most 5 entries.');
  for (const [k, v] of entries) {
    need(k.length > 0 && k.length <= 255 && !k.includes(':') && !k.startsWith('_'), `properties: the key '${k}' is not allowed (no ':' and no leading '_').`);
    need(typeof v === 'string' && v.length <= 255, `properties.${k} must be a string of at most 255 characters.`);
  }
  return p as Record<string, string>;
}

function submit(ctx: Ctx): Answer {
  const state = featureFlagsOf(ctx.site.store);
  let properties: Record<string, string>;
  try {
    need(isObject(ctx.body), 'The request body must be an object with flags.');
    const body = ctx.body as Json;
    onlyKeys(body, ['properties', 'flags', 'providerMetadata'], 'body');
    properties = checkProperties(body.properties);
    need(Array.isArray(body.flags) && body.flags.length >= 1, 'flags must list at least one flag.');
    need((body.flags as unknown[]).length <= MAX_FLAGS, `flags may list at most ${MAX_FLAGS} flags.`);
    (body.flags as unknown[]).forEach(checkFlag);
  } catch (err) {
    if (err instanceof Invalid) return jiraError(400, err.message);
    throw err;
  }
  const accepted: string[] = [];
  const failed: Record<string, { message: string }[]> = {};
  const unknownIssueKeys = new Set<string>();
  for (const raw of (ctx.body as { flags: StoredFeatureFlag['flag'][] }).flags) {
    const refusal = state.refuse.get(raw.id);
    if (refusal) {
      failed[raw.id] = [{ message: refusal }];
      continue;
    }
    const existing = state.flags.get(raw.id);
    if (existing && raw.updateSequenceId <= existing.flag.updateSequenceId) {
      if (raw.updateSequenceId === existing.flag.updateSequenceId && sameSubmission(raw, existing.flag)) state.repeatsIgnored++;
      else state.staleIgnored++;
      accepted.push(raw.id);
      continue;
    }
    const values = raw.associations.flatMap((a) => a.values);
    const known = values.filter((v) => ctx.site.store.visibleIssue(v));
    for (const v of values) if (!known.includes(v)) unknownIssueKeys.add(v);
    if (known.length === 0) continue; // only unknown issues: not stored
    const flag = structuredClone(raw);
    flag.associations = [{ associationType: 'issueIdOrKeys', values: known }];
    state.flags.set(raw.id, { flag, properties: { ...properties } });
    accepted.push(raw.id);
  }
  state.submissions.push(accepted);
  return ok({ acceptedFeatureFlags: accepted, failedFeatureFlags: failed, unknownIssueKeys: [...unknownIssueKeys] }, 202);
}

function deleteByProperties(ctx: Ctx): Answer {
  const wanted = [...ctx.query.entries()].filter(([k]) => k !== '_updateSequenceId');
  if (wanted.length === 0) return jiraError(400, 'Specify at least one property to delete by.');
  const state = featureFlagsOf(ctx.site.store);
  for (const [id, stored] of [...state.flags]) if (wanted.every(([k, v]) => stored.properties[k] === v)) state.flags.delete(id);
  return { status: 202 };
}

function setPropertiesBulk(ctx: Ctx): Answer {
  const body = ctx.body;
  if (!isObject(body) || !Array.isArray(body.issues) || body.issues.length === 0) return jiraError(400, 'issues must list at least one issue.');
  if (body.issues.length > 100) return jiraError(400, 'You can set properties on at most 100 issues in one request.');
  const plans: [string, [string, unknown][]][] = [];
  for (const element of body.issues as unknown[]) {
    if (!isObject(element) || !Number.isSafeInteger(element.issueID) || !isObject(element.properties)) {
      return jiraError(400, 'Each element of issues must have a numeric issueID and an object of properties.');
    }
    const props = Object.entries(element.properties);
    if (props.length === 0 || props.length > 10) return jiraError(400, 'Each issue takes 1 to 10 properties.');
    const problem = propertiesProblem(props.map(([key, value]) => ({ key, value })));
    if (problem) return jiraError(400, problem);
    plans.push([String(element.issueID), props]);
  }
  // Jira runs this as a task; issues that do not exist or cannot be edited are skipped by it.
  featureFlagsOf(ctx.site.store).propertyTasks.push({ issues: plans.length });
  return propertyTask(ctx, () => {
    for (const [id, props] of plans) {
      const issue = ctx.site.store.visibleIssue(id);
      if (!issue || issue.id !== id || !ctx.site.store.projectOf(issue).write) continue;
      for (const [k, v] of props) issue.properties.set(k, v);
    }
  });
}

/** DELETE /rest/api/3/issue/properties/{key}: from the issues named (entityIds), or every editable one when none is. */
function deletePropertyBulk(ctx: Ctx, propertyKey: string): Answer {
  const body = ctx.body;
  if (!isObject(body)) return jiraError(400, 'The request body must be an object.');
  const ids = body.entityIds;
  if (ids !== undefined && (!Array.isArray(ids) || !ids.every((x) => Number.isSafeInteger(x)))) return jiraError(400, 'entityIds must be a list of issue ids.');
  const wanted = ids === undefined ? null : new Set((ids as number[]).map(String));
  featureFlagsOf(ctx.site.store).propertyDeletes.push({ propertyKey, issues: wanted ? wanted.size : null });
  return propertyTask(ctx, () => {
    const candidates = wanted ? [...wanted].map((id) => ctx.site.store.visibleIssue(id)) : ctx.site.store.visibleIssues();
    for (const issue of candidates) {
      if (!issue || (wanted && !wanted.has(issue.id))) continue;
      if (!ctx.site.store.projectOf(issue).write) continue;
      if (body.currentValue !== undefined && JSON.stringify(issue.properties.get(propertyKey)) !== JSON.stringify(body.currentValue)) continue;
      issue.properties.delete(propertyKey);
    }
  });
}

export const featureFlagRoutes: Route[] = [
  { method: 'POST', pattern: /^\/rest\/featureflags\/0\.1\/bulk$/, handle: submit },
  { method: 'DELETE', pattern: /^\/rest\/featureflags\/0\.1\/bulkByProperties$/, handle: deleteByProperties },
  {
    method: 'GET',
    pattern: /^\/rest\/featureflags\/0\.1\/flag\/([^/]+)$/,
    handle: (ctx, [id = '']) => {
      const stored = featureFlagsOf(ctx.site.store).flags.get(id);
      return stored ? ok(stored.flag) : jiraError(404, `No feature flag with id '${id}'.`);
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/rest\/featureflags\/0\.1\/flag\/([^/]+)$/,
    handle: (ctx, [id = '']) => {
      featureFlagsOf(ctx.site.store).flags.delete(id);
      return { status: 202 };
    },
  },
  { method: 'POST', pattern: /^\/rest\/api\/3\/issue\/properties\/multi$/, handle: setPropertiesBulk },
  { method: 'DELETE', pattern: /^\/rest\/api\/3\/issue\/properties\/([^/]+)$/, handle: (ctx, [key = '']) => deletePropertyBulk(ctx, decodeURIComponent(key)) },
  {
    method: 'GET',
    pattern: /^\/rest\/api\/3\/task\/([^/]+)$/,
    handle: (ctx, [id = '']) => {
      const status = featureFlagsOf(ctx.site.store).tasks.get(id);
      return status ? ok({ id, status, ...(status === 'FAILED' ? { message: 'The bulk property operation failed; no issue was changed.' } : {}) }) : jiraError(404, `No task with id '${id}'.`);
    },
  },
];

/** Whether a re-sent flag says what the stored one says (the stored copy keeps only known issue keys). */
function sameSubmission(raw: StoredFeatureFlag['flag'], stored: StoredFeatureFlag['flag']): boolean {
  const { associations: _a, ...rawRest } = raw;
  const { associations: _b, ...storedRest } = stored;
  return JSON.stringify(rawRest) === JSON.stringify(storedRest);
}
