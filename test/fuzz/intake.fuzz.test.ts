/**
 * 5,000 mutated deliveries to the events route, on SQLite (see support/intake-fuzz.ts).
 */
import { describeIntakeFuzz } from '../support/intake-fuzz.js';

describeIntakeFuzz('sqlite');
