/**
 * What every page the app renders for a Jira frame (Connect) shares: Jira's host script, who may frame
 * it, and the document around its body, in the Configure page's look (AUI and its stylesheet). Such a
 * page runs no script of its own: all.js sizes the frame to the .ac-content element as it grows.
 */
import { html, type Html } from './html.js';

/** Jira's host script (sizes the frame; a Connect frame that never loads it is reported as not responding). */
export const HOST_SCRIPT_URL = 'https://connect-cdn.atl-paas.net/all.js';

/** A page's frame may be drawn only inside Jira. */
export const PAGE_FRAME_ANCESTORS = 'frame-ancestors https://*.atlassian.net https://*.jira.com';

/** The whole HTML document of a framed page: `body` inside its main element, `stylesheets` after AUI's and ours. */
export function framedPage(opts: { title: string; body: Html; stylesheets?: string[]; mainClass?: string }): string {
  const sheets = ['/vendor/aui/aui-prototyping.css', '/public/configure.css', ...(opts.stylesheets ?? [])];
  return html`<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${opts.title}</title>
${sheets.map((href) => html`  <link rel="stylesheet" href="${href}">
`)}  <script src="${HOST_SCRIPT_URL}" async></script>
</head>
<body class="cfg-body">
<main class="${['cfg-page', opts.mainClass, 'ac-content'].filter(Boolean).join(' ')}" id="main">
${opts.body}
</main>
</body>
</html>
`.text;
}
