/**
 * Server errors (500, 502, 504): a write whose outcome is unknown is settled (by reading the issue's
 * property, or searching for the issue) before anything is written again, so once the faults clear Jira
 * holds exactly the state of a run with no faults: no lost change, no second issue, no doubled comment.
 */
import { describe, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { faultSuite } from '../support/fault-suite.js';

describe.each(databaseKinds)('Jira server errors (%s)', (kind) => {
  const { underFaults } = faultSuite(kind);

  it('500s on every 3rd call (4 of them, writes included): same Jira state as a clean run', async () => {
    await underFaults([{ status: 500, everyNth: 3, times: 4 }], (r) => r.status === 500);
  }, 60_000);

  it('a 502 on an edit and a 504 on a bulk create: same Jira state as a clean run', async () => {
    await underFaults(
      [
        { status: 502, times: 1, match: { method: 'PUT' } },
        { status: 504, times: 1, match: { method: 'POST', path: '/rest/api/3/issue/bulk' } },
      ],
      (r) => r.status === 502 || r.status === 504,
    );
  }, 60_000);
});
