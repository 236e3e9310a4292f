/** What landed in Jira as plain text: each issue's key fields, then its comments in order. */
import { byKeyNumber, type JiraIssueData } from './jira-page.js';
import type { PageData } from '../../test/doubles/jira/html.js';

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

/** The Releases panel as plain text: per flag its issues, then on/off per environment (and a deployment under way). */
export function formatPanel(flags: PageData['featureFlags']): string {
  if (flags.length === 0) return '  (no flag in the panel)';
  return [...flags]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((f) => {
      const envs = f.environments.map((e) => `    ${e.name.padEnd(12)} ${e.enabled ? 'ON ' : 'off'}${e.rollout ? `   ${e.rollout}` : ''}`);
      return [`  ${f.key} (${f.displayName})   issues: ${f.issues.join(', ')}`, ...envs].join('\n');
    })
    .join('\n');
}
