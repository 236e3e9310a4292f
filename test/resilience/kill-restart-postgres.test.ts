/**
 * The same kill-during-stream suite on PostgreSQL (needs TEST_DATABASE_URL, which CI sets).
 */
import { databaseKinds } from '../support/databases.js';
import { describeKillDuringStream } from '../support/kill-stream-scenario.js';

describeKillDuringStream('postgres', databaseKinds.includes('postgres'));
