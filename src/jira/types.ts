import type { AdfDoc } from '../flags/render/adf.js';

/** The pieces of an installed Jira site the app needs to call it as itself (from the install callback). */
export interface JiraTenant {
  /** The site's baseUrl from the install payload, e.g. https://example.atlassian.net */
  baseUrl: string;
  clientKey: string;
  sharedSecret: string;
  /** The app's own key (descriptor `key`): the `iss` of every outbound JWT. */
  appKey: string;
}

export interface IssueProperty {
  key: string;
  value: unknown;
}

export interface CreateIssueInput {
  project: { key: string } | { id: string };
  issueType: { id: string } | { name: string };
  /** At most 255 characters, no newline (Jira rejects both). */
  summary: string;
  description?: AdfDoc;
  /** Entity properties set in the same call as the create. */
  properties?: IssueProperty[];
}

export interface IssueRef {
  id: string;
  key: string;
}

export interface EditIssueInput {
  fields?: { summary?: string; description?: AdfDoc | null };
  /** One comment added in the same write as the field and property changes. */
  comment?: AdfDoc;
  properties?: IssueProperty[];
}

export interface JiraIssue extends IssueRef {
  summary: string;
  /** The description as Jira holds it: ADF the app wrote, or whatever a person edited it into since. */
  description: unknown;
  issueType: { id: string; name: string };
  project: { id: string; key: string; name: string };
  created: string;
  updated: string;
  /** Only the properties asked for with `getIssue(key, { properties })`. */
  properties: Record<string, unknown>;
}

export interface SearchHit extends IssueRef {
  fields: Record<string, unknown>;
  properties: Record<string, unknown>;
}

export interface JiraProject {
  id: string;
  key: string;
  name: string;
}

export interface JiraProjectDetails extends JiraProject {
  issueTypes: { id: string; name: string; subtask: boolean }[];
}

export interface BulkFailure {
  /** Index into the inputs given to bulkCreate. */
  index: number;
  status: number;
  message: string;
  /** Jira's per-field errors, e.g. { summary: "..." }. */
  errors: Record<string, string>;
}

export interface BulkCreateResult {
  /** Same length and order as the inputs; undefined where that element failed. */
  created: (IssueRef | undefined)[];
  failures: BulkFailure[];
}
