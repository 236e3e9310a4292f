/**
 * The Connect panel's HTML document, in the Configure page's look (AUI and its stylesheet), around the
 * body render.ts draws. The page runs no script of its own (Jira's all.js only sizes the iframe).
 */
import type { FlagPanelView } from './flag-view.js';
import { flagPanelBody, flagPanelTitle, html, notAFlagBody, NOT_A_FLAG_TITLE, type Html } from './render.js';

export const HOST_SCRIPT_URL = 'https://connect-cdn.atl-paas.net/all.js';

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
  return page(flagPanelTitle(view), flagPanelBody(view));
}

export function notAFlagPage(): string {
  return page(NOT_A_FLAG_TITLE, notAFlagBody());
}
