/**
 * The same intake fuzz on PostgreSQL (needs TEST_DATABASE_URL, which CI sets).
 */
import { databaseKinds } from '../support/databases.js';
import { describeIntakeFuzz } from '../support/intake-fuzz.js';

describeIntakeFuzz('postgres', databaseKinds.includes('postgres'));
