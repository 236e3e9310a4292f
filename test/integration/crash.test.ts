/**
 * The app (a real process on a SQLite file) killed with SIGKILL at three points of a 300-flag run and
 * restarted on the same file ends in exactly the Jira state of an uninterrupted run (see crash-scenario).
 */
import { describeCrashRecovery } from '../support/crash-scenario.js';

describeCrashRecovery('sqlite');
