/** What every page the app shows in a Jira frame (Connect) shares: Jira's host script and who may frame it. */

/** Jira's host script (sizes the frame; a Connect frame that never loads it is reported as not responding). */
export const HOST_SCRIPT_URL = 'https://connect-cdn.atl-paas.net/all.js';

/** A page's frame may be drawn only inside Jira. */
export const PAGE_FRAME_ANCESTORS = 'frame-ancestors https://*.atlassian.net https://*.jira.com';
