/**
 * The Connect panel's HTML document, in the Configure page's look (AUI and its stylesheet), around the
 * body render.ts draws. The page runs no script of its own: Jira's all.js sizes the iframe to the
 * .ac-content element as it grows (an issue panel is not a full page, so sizeToParent would leave
 * it at Jira's default height).
 */
import type { FlagPanelView } from './flag-view.js';
import { html, type Html } from '../http/html.js';
import { HOST_SCRIPT_URL } from '../http/page-frame.js';
import { flagPanelBody, flagPanelTitle, notAFlagBody, NOT_A_FLAG_TITLE } from './render.js';


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
  <script src="${HOST_SCRIPT_URL}" async></script>
</head>
<body class="cfg-body">
<main class="cfg-page panel-page ac-content" id="main">
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
