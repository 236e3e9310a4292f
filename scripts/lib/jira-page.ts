/** What landed in Jira, read over HTTP from the Jira double's own read-only page (no JWT needed). */
import { PAGE_DATA_ID, type PageData } from '../../test/doubles/jira/html.js';

export type JiraIssueData = PageData['issues'][number];

export async function readJiraPage(siteUrl: string): Promise<PageData> {
  const res = await fetch(`${siteUrl}/`);
  if (!res.ok) throw new Error(`GET ${siteUrl}/ answered ${res.status}`);
  const html = await res.text();
  const open = `<script type="application/json" id="${PAGE_DATA_ID}">`;
  const start = html.indexOf(open);
  const end = html.indexOf('</script>', start);
  if (start < 0 || end < 0) throw new Error(`the Jira double's page at ${siteUrl}/ carries no ${PAGE_DATA_ID} block`);
  return JSON.parse(html.slice(start + open.length, end)) as PageData;
}

/** Issues in creation order (FLAG-1, FLAG-2, ...). */
export const byKeyNumber = (a: { key: string }, b: { key: string }): number =>
  Number(a.key.split('-')[1]) - Number(b.key.split('-')[1]);
