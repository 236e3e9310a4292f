import { ApiError } from '../http/errors.js';
import { JiraError } from '../jira/index.js';

/** A Jira failure during a Configure call, in words for the admin (Jira's own message, no request details). */
export const jiraFailure =
  (doing: string) =>
  (err: unknown): never => {
    if (err instanceof JiraError) {
      if (err.status === 401 || err.status === 403) {
        throw new ApiError(502, 'jira_refused', `Jira refused to let the app ${doing} (${err.status}): ${err.jiraMessage}`);
      }
      throw new ApiError(502, 'jira_unavailable', `Jira could not ${doing} right now (${err.status || 'no answer'}); try again.`);
    }
    throw err;
  };
