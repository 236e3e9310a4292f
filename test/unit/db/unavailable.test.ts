/**
 * The one answer to "does this database error pass?": the routes answer it 503 with Retry-After, the
 * worker retries the event. A statement the database refuses for its values does not pass.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionRefusedError, DatabaseError, TimeoutError, UniqueConstraintError } from 'sequelize';
import { isDatabaseUnavailable } from '../../../src/db/unavailable.js';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
/** As sequelize wraps a driver error. */
const wrapped = (code: string) => new DatabaseError(Object.assign(coded(code), { sql: 'UPDATE x' }) as never);

describe('isDatabaseUnavailable', () => {
  it.each([
    ['PostgreSQL serialization failure', '40001'],
    ['PostgreSQL deadlock', '40P01'],
    ['PostgreSQL lock not available', '55P03'],
    ['PostgreSQL shutting down', '57P01'],
    ['PostgreSQL connection failure', '08006'],
    ['PostgreSQL too many connections', '53300'],
    ['PostgreSQL disk full', '53100'],
    ['SQLite busy', 'SQLITE_BUSY'],
    ['SQLite table locked', 'SQLITE_LOCKED'],
    ['SQLite disk I/O', 'SQLITE_IOERR'],
    ['SQLite disk full', 'SQLITE_FULL'],
    ['a refused connection', 'ECONNREFUSED'],
  ])('%s (%s) passes, raw or wrapped by sequelize', (_what, code) => {
    expect(isDatabaseUnavailable(coded(code))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(code))).toBe(true);
  });

  it('sequelize connection and timeout errors, and a connection lost mid-query, pass', () => {
    expect(isDatabaseUnavailable(new ConnectionRefusedError(new Error('refused')))).toBe(true);
    expect(isDatabaseUnavailable(new TimeoutError(new Error('SQLITE_BUSY: database is locked') as never))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(coded('SQLITE_IOERR: disk I/O error'))).toBe(true);
  });

  it.each([
    ['a unique violation', () => new UniqueConstraintError({ message: 'duplicate' })],
    ['PostgreSQL invalid text', () => wrapped('22P02')],
    ['PostgreSQL undefined column', () => wrapped('42703')],
    ['SQLite syntax error', () => wrapped('SQLITE_ERROR')],
    ['SQLite constraint', () => wrapped('SQLITE_CONSTRAINT')],
    ['a plain error', () => new Error('boom')],
    ['a five-character code that only starts like a class', () => coded('400')],
  ])('%s does not pass', (_what, make) => {
    expect(isDatabaseUnavailable(make())).toBe(false);
  });
});
