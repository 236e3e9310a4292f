/**
 * The flag panel's body as HTML, from its view model: one rendering for both doors. The Connect page
 * (page.ts) wraps it in a whole document on the server; the Forge Custom UI (public/panel/forge.js)
 * puts it into its page in the browser. Pure string code, no Node or DOM API, so esbuild bundles it
 * for the browser as is. Every value is escaped; the markup has no inline script or style.
 */
import type { FlagPanelView } from './flag-view.js';
import type { FlagInEnvironment } from '../environments/flag-environments.js';
import { html, type Html } from '../http/html.js';

const when = (iso: string | null): Html => (iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>` : html`<span class="cfg-muted">—</span>`);

/** Why the flag's state in the environment is not known (shown as text: a tooltip reaches too few). */
function unknownReason(env: FlagInEnvironment): string {
  if (env.deployedVersion !== null) return `The app never received version ${env.deployedVersion} (saved before it tracked this profile, or its event did not arrive).`;
  if (env.deployedAt !== null) return 'The deployment that completed here did not name its version.';
  return env.deploying ? 'No deployment has completed here yet.' : 'No deployment that completed here is known: the last one was rolled back.';
}

function stateLozenge(env: FlagInEnvironment): Html {
  if (env.enabled === true) return html`<span class="aui-lozenge aui-lozenge-success">On</span>`;
  if (env.enabled === false) return html`<span class="aui-lozenge">Off</span>`;
  return html`<span class="aui-lozenge aui-lozenge-moved">Unknown</span> <span class="cfg-muted panel-reason">${unknownReason(env)}</span>`;
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
      <td class="panel-state">${stateLozenge(env)}</td>
      <td>${env.deployedVersion === null ? html`<span class="cfg-muted">—</span>` : html`<code>${env.deployedVersion}</code>`}</td>
      <td>${when(env.deployedAt)}</td>
      <td class="panel-deploying">${deploying}</td>
    </tr>`;
}

export const flagPanelTitle = (view: FlagPanelView): string => `${view.name} — AppConfig flag`;

/** The tracked flag: its key and name, where it lives in AWS, and its state in every environment. */
export function flagPanelBody(view: FlagPanelView): Html {
  const rows = view.environments.map(environmentRow);
  return html`<header class="cfg-header">
    <h1 class="panel-title">${view.name} <code class="panel-key">${view.flagKey}</code></h1>
    <p class="cfg-muted" id="newest-version">${
      view.deleted
        ? 'Deleted from the profile in its newest saved version (its issue stays; the flag comes back here if it is added again).'
        : `Newest saved version: ${view.enabled ? 'enabled' : 'disabled'}.`
    }</p>
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
  </section>`;
}

export const NOT_A_FLAG_TITLE = 'AppConfig flag';

/** For an issue that is not a flag this app tracks for the caller's site or installation. */
export function notAFlagBody(): Html {
  return html`<div class="aui-message aui-message-info" id="not-a-flag"><p class="title">Not a tracked AppConfig flag</p>
    <p>This issue is not the issue of a feature flag that this app tracks on this Jira site.</p></div>`;
}
