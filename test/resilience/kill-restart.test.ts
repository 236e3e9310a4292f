/**
 * 1,000 signed events streamed into the app (a real process on a SQLite file) while it is SIGKILLed
 * twice and restarted: every acknowledged event processed exactly once (see kill-stream-scenario).
 */
import { describeKillDuringStream } from '../support/kill-stream-scenario.js';

describeKillDuringStream('sqlite');
