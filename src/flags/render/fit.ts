import type { AdfDoc } from './adf.js';
import { RENDER_LEVELS, type RenderLimits } from './format.js';

/**
 * Jira Cloud refuses a description or comment over 32,767 characters. Measuring the serialized ADF
 * (always longer than its text) keeps us under the limit however Jira counts.
 */
export const JIRA_BODY_LIMIT = 32_767;

export function adfSize(doc: AdfDoc): number {
  return JSON.stringify(doc).length;
}

/**
 * Renders with full detail, and again with tighter limits while the result is too large for Jira.
 * The tightest level bounds every value, text and list, so its result fits for any flag AppConfig accepts.
 */
export function fitForJira(render: (limits: RenderLimits) => AdfDoc): AdfDoc {
  let last: AdfDoc | undefined;
  for (const limits of RENDER_LEVELS) {
    last = render(limits);
    if (adfSize(last) <= JIRA_BODY_LIMIT) return last;
  }
  return last as AdfDoc;
}
