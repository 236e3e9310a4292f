/**
 * The HTML of the flag's issue panel, in the Configure page's look (AUI and its stylesheet). Every
 * value is escaped; the page runs no script of its own (Jira's all.js only sizes the iframe).
 */
import type { FlagPanelView } from './flag-view.js';
import type { FlagInEnvironment } from '../environments/flag-environments.js';

export const HOST_SCRIPT_URL = 'https://connect-cdn.atl-paas.net/all.js';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A tagged template whose interpolations are escaped unless already rendered HTML. */
class Html {
  constructor(readonly text: string) {}
}
function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    const part = v instanceof Html ? v.text : Array.isArray(v) ? v.map((x) => (x instanceof Html ? x.text : escapeHtml(String(x)))).join('') : escapeHtml(String(v ?? ''));
    out += part + strings[i + 1]!;
  });
  return new Html(out);
}

const when = (iso: string | null): Html => (iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>` : html`<span class="cfg-muted">—</span>`);

function stateLozenge(enabled: boolean | null): Html {
  if (enabled === true) return html`<span class="aui-lozenge aui-lozenge-success">On</span>`;
  if (enabled === false) return html`<span class="aui-lozenge">Off</span>`;
  return html`<span class="aui-lozenge aui-lozenge-moved" title="The version deployed here was saved before the app tracked this profile">Unknown</span>`;
}

/** The Releases-panel type the name says, unless the name is the type itself. */
const typeNote = (env: FlagInEnvironment): Html | string =>
  env.environmentType && env.environmentType !== env.environmentName.toLowerCase() ? html` <span class="cfg-muted">(${env.environmentType})</span>` : '';

function environmentRow(env: FlagInEnvironment): Html {
  const deploying = env.deploying
    ? html`Deployment #${env.deploying.deploymentNumber} of ${env.deploying.version === null ? 'an unnamed version' : html`version <code>${env.deploying.version}</code>`}
        ${env.deploying.enabled === null ? '' : env.deploying.enabled ? '(on in it)' : '(off in it)'}, since ${when(env.deploying.since)}`
    : html`<span class="cfg-muted">No</span>`;
  return html`<tr data-environment="${env.environmentName}">
      <th scope="row">${env.environmentName}${typeNote(env)}</th>
      <td class="panel-state">${stateLozenge(env.enabled)}</td>
      <td>${env.deployedVersion === null ? html`<span class="cfg-muted">—</span>` : html`<code>${env.deployedVersion}</code>`}</td>
      <td>${when(env.deployedAt)}</td>
      <td class="panel-deploying">${deploying}</td>
    </tr>`;
}

function page(title: string, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <link rel="stylesheet" href="/vendor/aui/aui-prototyping.css">
  <link rel="stylesheet" href="/public/configure.css">
  <link rel="stylesheet" href="/public/panel/flag-panel.css">
  <script src="${HOST_SCRIPT_URL}" async data-options="sizeToParent:true"></script>
</head>
<body class="cfg-body">
<main class="cfg-page panel-page" id="main">
${body}
</main>
</body>
</html>
`.text;
}

export function flagPanelPage(view: FlagPanelView): string {
  const rows = view.environments.map(environmentRow);
  return page(
    `${view.name} — AppConfig flag`,
    html`<header class="cfg-header">
    <h1 class="panel-title">${view.name} <code class="panel-key">${view.flagKey}</code></h1>
    <p class="cfg-muted">Newest saved version: ${view.enabled ? 'enabled' : 'disabled'}.</p>
  </header>
  <dl class="panel-facts">
    <dt>AWS account</dt><dd><code>${view.accountId}</code></dd>
    <dt>Region</dt><dd><code>${view.region}</code></dd>
    <dt>Application</dt><dd>${view.application.name} <code>${view.application.id}</code></dd>
    <dt>Configuration profile</dt><dd>${view.profile.name} <code>${view.profile.id}</code></dd>
  </dl>
  <p><a class="panel-console" href="${view.consoleUrl}" target="_blank" rel="noopener noreferrer">Open the flag's profile in the AWS console</a>
    <span class="cfg-muted">(sign in to account ${view.accountId})</span></p>
  <section class="cfg-section" aria-labelledby="env-heading">
    <h2 id="env-heading">Environments</h2>
    ${
      rows.length === 0
        ? html`<p class="cfg-muted" id="no-environments">No deployment of this profile has reached an environment yet.</p>`
        : html`<table class="aui panel-environments">
      <thead><tr><th>Environment</th><th>State</th><th>Deployed version</th><th>Deployed</th><th>Deploying now</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>`
    }
  </section>`,
  );
}

export function notAFlagPage(): string {
  return page(
    'AppConfig flag',
    html`<div class="aui-message aui-message-info" id="not-a-flag"><p class="title">Not a tracked AppConfig flag</p>
    <p>This issue is not the issue of a feature flag that this app tracks on this Jira site.</p></div>`,
  );
}
