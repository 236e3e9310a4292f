import { adfProblem } from './adf.js';
import type { Issue, JiraStore, Project } from './store.js';

/**
 * Jira's validation of issue writes, with Jira's own error shapes and words: every check runs before any
 * change, so a refused write leaves the issue exactly as it was.
 */
export interface Refusal {
  status: number;
  errorMessages: string[];
  errors: Record<string, string>;
}

export const refusal = (status: number, errorMessages: string[], errors: Record<string, string> = {}): Refusal => ({ status, errorMessages, errors });

export const isRefusal = (v: unknown): v is Refusal =>
  Boolean(v && typeof v === 'object' && 'status' in v && 'errorMessages' in v && 'errors' in v);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

const NOT_ADF = 'Operation value must be an Atlassian Document (see the Atlassian Document Format).';
const TOO_LONG = 'The entered text is too long. It exceeds the allowed limit of 32,767 characters.';
const MAX_PROPERTY_CHARS = 32_768;

export function summaryProblem(summary: unknown): string | undefined {
  if (typeof summary !== 'string' || summary.trim() === '') return 'You must specify a summary of the issue.';
  if (/[\r\n]/.test(summary)) return 'The summary is invalid because it contains newline characters.';
  if (summary.length > 255) return 'Summary must be less than 255 characters.';
  return undefined;
}

/** Jira's message for a rich-text body, or undefined when it is a valid ADF document (null clears a description). */
export function richTextProblem(doc: unknown, allowNull: boolean): string | undefined {
  if (doc === null && allowNull) return undefined;
  const problem = adfProblem(doc);
  if (!problem) return undefined;
  return problem === 'too long' ? TOO_LONG : NOT_ADF;
}

export function propertiesProblem(props: unknown): string | undefined {
  if (props === undefined) return undefined;
  if (!Array.isArray(props)) return 'properties must be an array of {key, value}.';
  for (const p of props) {
    if (!isObject(p) || typeof p.key !== 'string' || p.key.length === 0 || p.key.length > 255) return 'The property key must be between 1 and 255 characters long.';
    if (p.value === undefined) return `The property '${p.key}' has no value.`;
    if (JSON.stringify(p.value).length > MAX_PROPERTY_CHARS) return `The property '${p.key}' exceeds the maximum length of ${MAX_PROPERTY_CHARS} characters.`;
  }
  return undefined;
}

export interface CreatePlan {
  project: Project;
  issueTypeId: string;
  summary: string;
  description: unknown | null;
  properties: [string, unknown][];
}

const CREATE_FIELDS = new Set(['project', 'issuetype', 'summary', 'description']);

/** Checks one create element (POST /issue or one of /issue/bulk) and plans it. */
export function planCreate(store: JiraStore, element: unknown): CreatePlan | Refusal {
  if (!isObject(element) || !isObject(element.fields)) return refusal(400, ['No fields were given to create the issue.']);
  const fields = element.fields;
  const errors: Record<string, string> = {};
  for (const name of Object.keys(fields)) {
    if (!CREATE_FIELDS.has(name)) errors[name] = `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`;
  }
  let project: Project | undefined;
  const pref = fields.project;
  if (!isObject(pref) || (typeof pref.key !== 'string' && typeof pref.id !== 'string')) errors.project = 'Specify a valid project ID or key';
  else {
    project = store.visibleProject(String(pref.id ?? pref.key));
    if (!project) errors.project = 'valid project is required';
    else if (!project.write) errors.project = 'You do not have permission to create issues in this project.';
  }
  let issueTypeId: string | undefined;
  const tref = fields.issuetype;
  if (!isObject(tref) || (typeof tref.id !== 'string' && typeof tref.name !== 'string')) errors.issuetype = 'Specify an issue type';
  else if (project) {
    const type = store.typesOf(project).find((t) => t.id === tref.id || (tref.id === undefined && t.name.toLowerCase() === String(tref.name).toLowerCase()));
    if (!type) errors.issuetype = 'Specify a valid issue type';
    else if (type.subtask) errors.issuetype = 'Issue type is a sub-task but parent issue key or id not specified.';
    else issueTypeId = type.id;
  }
  const summary = summaryProblem(fields.summary);
  if (summary) errors.summary = summary;
  const description = 'description' in fields ? richTextProblem(fields.description, true) : undefined;
  if (description) errors.description = description;
  const props = propertiesProblem(element.properties);
  if (props) errors.properties = props;
  if (Object.keys(errors).length > 0 || !project || !issueTypeId) return refusal(400, [], errors);
  return {
    project,
    issueTypeId,
    summary: fields.summary as string,
    description: (fields.description as unknown) ?? null,
    properties: ((element.properties as { key: string; value: unknown }[] | undefined) ?? []).map((p) => [p.key, p.value]),
  };
}

export interface EditPlan {
  summary?: string;
  description?: unknown | null;
  comments: unknown[];
  properties: [string, unknown][];
}

/** Checks a PUT /issue/{key} body (fields, update.comment add, properties) and plans it as one write. */
export function planEdit(store: JiraStore, issue: Issue, body: unknown): EditPlan | Refusal {
  if (!store.projectOf(issue).write) return refusal(403, ['You do not have permission to edit issues in this project.']);
  if (!isObject(body)) return refusal(400, ['The request body must be a JSON object.']);
  const errors: Record<string, string> = {};
  const plan: EditPlan = { comments: [], properties: [] };
  if (body.fields !== undefined) {
    if (!isObject(body.fields)) return refusal(400, ['fields must be an object.']);
    for (const [name, value] of Object.entries(body.fields)) {
      if (name === 'summary') {
        const p = summaryProblem(value);
        if (p) errors.summary = p;
        else plan.summary = value as string;
      } else if (name === 'description') {
        const p = richTextProblem(value, true);
        if (p) errors.description = p;
        else plan.description = value;
      } else errors[name] = `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`;
    }
  }
  if (body.update !== undefined) {
    if (!isObject(body.update)) return refusal(400, ['update must be an object.']);
    for (const [name, ops] of Object.entries(body.update)) {
      if (name !== 'comment' || !Array.isArray(ops)) {
        errors[name] = `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`;
        continue;
      }
      for (const op of ops) {
        const add = isObject(op) && isObject(op.add) ? op.add : undefined;
        if (!add) errors.comment = 'The Jira double supports only { add: { body } } comment operations.';
        else if (add.body === undefined) errors.comment = 'Comment body can not be empty!';
        else {
          const p = richTextProblem(add.body, false);
          if (p) errors.comment = p;
          else plan.comments.push(add.body);
        }
      }
    }
  }
  const props = propertiesProblem(body.properties);
  if (props) errors.properties = props;
  else plan.properties = ((body.properties as { key: string; value: unknown }[] | undefined) ?? []).map((p) => [p.key, p.value]);
  if (Object.keys(errors).length > 0) return refusal(400, [], errors);
  return plan;
}
