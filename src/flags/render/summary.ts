import type { Flag } from '../model.js';
import { cleanText } from './adf.js';
import { truncate } from './format.js';

/** Jira's summary limit, in Java chars (UTF-16 code units). */
export const SUMMARY_MAX_LENGTH = 255;

// Jira rejects line breaks in a summary: every control character and run of white space reads as one space.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001F\u007F-\u009F]/g;

function oneLine(value: string): string {
  return cleanText(value.replace(CONTROLS, ' ')).replace(/\s+/g, ' ').trim();
}

/** The issue summary: the flag's name on one line, within 255 chars; the key when the name is blank. */
export function issueSummary(flag: Flag): string {
  const name = oneLine(flag.name);
  const summary = name !== '' ? name : oneLine(flag.key) || 'Feature flag';
  return truncate(summary, SUMMARY_MAX_LENGTH);
}
