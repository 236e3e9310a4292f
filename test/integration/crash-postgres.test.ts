/**
 * The same crash suite on PostgreSQL (needs TEST_DATABASE_URL, which CI sets): killed with SIGKILL at
 * three points of a 300-flag run, restarted on the same database, exact Jira state at the end.
 */
import { databaseKinds } from '../support/databases.js';
import { describeCrashRecovery } from '../support/crash-scenario.js';

describeCrashRecovery('postgres', databaseKinds.includes('postgres'));
