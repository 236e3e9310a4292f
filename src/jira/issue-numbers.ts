/**
 * Issue numbers of a project: Jira numbers the issues of a project in the order they are created, which
 * is what lets the worker find a create whose answer was lost by key (src/worker/lost-creates.ts).
 */
import type { JiraClient } from './client.js';

/** The number of an issue key in `projectKey` ("FLAG-12" → 12), or null for another project's key. */
export function issueNumber(projectKey: string, issueKey: string | null | undefined): number | null {
  if (!issueKey?.startsWith(`${projectKey}-`)) return null;
  const n = Number(issueKey.slice(projectKey.length + 1));
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * The project's newest issue number as the index shows it (0 for an empty project). A lagging index only
 * shows an older one, which is still below anything created from now on.
 */
export async function newestIssueNumber(jira: JiraClient, projectKey: string): Promise<number> {
  const [newest] = await jira.searchJql(`project = "${projectKey.replace(/["\\]/g, '\\$&')}" ORDER BY key DESC`, ['summary'], { limit: 1 });
  return newest ? (issueNumber(projectKey, newest.key) ?? 0) : 0;
}
