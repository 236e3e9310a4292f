/** What landed in Jira as plain text: each issue's key fields, then its comments in order. */
import { byKeyNumber, type JiraIssueData } from './jira-page.js';

const indent = (text: string, prefix: string): string =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => prefix + l)
    .join('\n');

export function formatIssues(issues: JiraIssueData[], propertyKey: string): string {
  if (issues.length === 0) return '  (no issues)';
  return [...issues]
    .sort(byKeyNumber)
    .map((issue) => {
      const property = issue.properties[propertyKey] as { flagKey?: unknown } | undefined;
      const head = [
        `${issue.key}  ${issue.summary}`,
        `  type: ${issue.issueType}   property ${propertyKey}.flagKey: ${String(property?.flagKey ?? '(none)')}`,
        `  comments: ${issue.comments.length}`,
      ];
      const comments = issue.comments.map((c, i) => `  #${i + 1} (${c.created})\n${indent(c.text, '     | ')}`);
      return [...head, ...comments].join('\n');
    })
    .join('\n\n');
}
