import { adfHtml, adfText } from './adf.js';
import type { Issue, JiraStore } from './store.js';
import { featureFlagsOf } from './routes-feature-flags.js';

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
  /** The Releases panel: the feature flags the app submitted, as Jira stores them. */
  featureFlags: {
    id: string;
    key: string;
    displayName: string;
    issues: string[];
    enabled: boolean;
    environments: { name: string; type?: string; enabled: boolean; rollout?: string }[];
  }[];
}

type StoredFlag = { key: string; displayName: string; associations: { values: string[] }[]; summary: { status: { enabled: boolean } }; details: { environment: { name: string; type?: string }; status: { enabled: boolean; rollout?: { text?: string } } }[] };

function panelData(store: JiraStore): PageData['featureFlags'] {
  return [...featureFlagsOf(store).flags.entries()].map(([id, { flag }]) => {
    const f = flag as unknown as StoredFlag;
    return {
      id,
      key: f.key,
      displayName: f.displayName,
      issues: f.associations.flatMap((a) => a.values),
      enabled: f.summary.status.enabled,
      environments: f.details.map((d) => ({ name: d.environment.name, ...(d.environment.type ? { type: d.environment.type } : {}), enabled: d.status.enabled, ...(d.status.rollout?.text ? { rollout: d.status.rollout.text } : {}) })),
    };
  });
}

function panelHtml(flags: PageData['featureFlags']): string {
  if (flags.length === 0) return '';
  const rows = flags
    .map((f) => `<tr><td><code>${esc(f.key)}</code> ${esc(f.displayName)}</td><td>${esc(f.issues.join(', '))}</td><td>${f.environments.map((e) => `${esc(e.name)}: <b>${e.enabled ? 'on' : 'off'}</b>${e.rollout ? ` <em>(${esc(e.rollout)})</em>` : ''}`).join('<br>')}</td></tr>`)
    .join('');
  return `<section class="panel"><h2>Releases panel (${flags.length} feature flags)</h2><table><tr><th>Flag</th><th>Issues</th><th>Environments</th></tr>${rows}</table></section>`;
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
    featureFlags: panelData(store),
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
${panelHtml(panelData(store))}
${body}
<script type="application/json" id="${PAGE_DATA_ID}">${scriptJson(pageData(store, siteUrl, issues))}</script>
</body></html>`;
}
