import { adfHtml, adfText } from './adf.js';
import type { Issue, JiraStore } from './store.js';

/**
 * The double's own read-only page (not Jira's, so no JWT): every issue with its summary, properties,
 * description and comments, so a person (or a screenshot) can see what the app wrote. The same issues
 * are embedded as JSON (<script type="application/json" id="jira-double-data">), so a script such as
 * `npm run demo` reads exactly what the page shows, over HTTP, without scraping the markup.
 */
export const PAGE_DATA_ID = 'jira-double-data';

export interface PageData {
  site: string;
  issues: {
    key: string;
    summary: string;
    issueType: string;
    properties: Record<string, unknown>;
    descriptionText: string;
    comments: { id: string; created: string; text: string }[];
  }[];
}
const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function issueHtml(store: JiraStore, issue: Issue): string {
  const type = store.issueTypes.get(issue.issueTypeId)?.name ?? '?';
  const props = [...issue.properties.entries()]
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(JSON.stringify(v))}</code></dd>`)
    .join('');
  const comments = issue.comments
    .map((c) => `<li class="comment" id="comment-${esc(c.id)}"><div class="meta">${esc(c.created)}</div>${adfHtml(c.body)}</li>`)
    .join('');
  return `<article class="issue" id="${esc(issue.key)}">
<h2><a href="browse/${esc(issue.key)}">${esc(issue.key)}</a> <span class="summary">${esc(issue.summary)}</span> <small>${esc(type)}</small></h2>
<dl class="properties">${props}</dl>
<section class="description">${issue.description ? adfHtml(issue.description) : '<p><em>No description</em></p>'}</section>
<h3>Comments (${issue.comments.length})</h3>
<ol class="comments">${comments}</ol>
</article>`;
}

function pageData(store: JiraStore, siteUrl: string, issues: Issue[]): PageData {
  return {
    site: siteUrl,
    issues: issues.map((i) => ({
      key: i.key,
      summary: i.summary,
      issueType: store.issueTypes.get(i.issueTypeId)?.name ?? '',
      properties: Object.fromEntries(i.properties),
      descriptionText: i.description ? adfText(i.description) : '',
      comments: i.comments.map((c) => ({ id: c.id, created: c.created, text: adfText(c.body) })),
    })),
  };
}

// JSON inside <script>: "<" escaped so no value can close the element.
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

export function renderPage(store: JiraStore, siteUrl: string, onlyKey?: string): string {
  const issues = [...store.issues.values()].filter((i) => !onlyKey || i.key === onlyKey.toUpperCase());
  const projects = [...store.projects.values()].map((p) => `${esc(p.key)} (${esc(p.name)})`).join(', ');
  const body = issues.length ? issues.map((i) => issueHtml(store, i)).join('\n') : '<p class="empty">No issues yet.</p>';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Jira double ${esc(siteUrl)}</title>
<base href="${esc(siteUrl)}/">
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#172b4d}
.issue{border:1px solid #dfe1e6;border-radius:6px;padding:1rem;margin:1rem 0}
.issue h2{font-size:1.1rem;margin:0 0 .5rem} small{color:#6b778c;font-weight:normal}
dl.properties{font-size:.85rem;background:#f4f5f7;padding:.5rem}
dt{font-weight:600} dd{margin:0 0 .3rem 1rem}
.comment{border-left:3px solid #0052cc;padding-left:.7rem;margin:.5rem 0} .meta{color:#6b778c;font-size:.8rem}
table{border-collapse:collapse} td,th{border:1px solid #dfe1e6;padding:.2rem .4rem}
</style></head>
<body><h1>Jira double</h1><p>Site: <code>${esc(siteUrl)}</code> &middot; Projects: ${projects || 'none'} &middot; Issues: ${issues.length}</p>
${body}
<script type="application/json" id="${PAGE_DATA_ID}">${scriptJson(pageData(store, siteUrl, issues))}</script>
</body></html>`;
}
