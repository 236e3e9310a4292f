/**
 * The Connect panel's HTML document around the body render.ts draws. Sized by all.js to its content
 * (an issue panel is not a full page: sizeToParent would leave it at Jira's default height).
 */
import type { FlagPanelView } from './flag-view.js';
import type { Html } from '../http/html.js';
import { framedPage } from '../http/page-frame.js';
import { flagPanelBody, flagPanelTitle, notAFlagBody, NOT_A_FLAG_TITLE } from './render.js';

const page = (title: string, body: Html): string => framedPage({ title, body, stylesheets: ['/public/panel/flag-panel.css'], mainClass: 'panel-page' });

export function flagPanelPage(view: FlagPanelView): string {
  return page(flagPanelTitle(view), flagPanelBody(view));
}

export function notAFlagPage(): string {
  return page(NOT_A_FLAG_TITLE, notAFlagBody());
}
