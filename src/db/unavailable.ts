/**
 * Whether an error means "the database cannot be reached or cannot take the statement right now" (as
 * opposed to a statement it refused). Routes answer such errors with 503 and Retry-After, so that a
 * sender retries later instead of treating the request as broken; the worker retries the event.
 */
import { ConnectionError, TimeoutError } from 'sequelize';

// Node socket errors while connecting or mid-query.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// SQLite: locked past the busy timeout, the file unreadable or the disk full.
const SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL']);
// PostgreSQL SQLSTATEs of a failure that passes: connection (class 08), a transaction rolled back for a
// conflict it asks to retry (40: serialization failure, deadlock), resources (53: disk, memory, too many
// connections), a lock not available (55P03), shutting down or starting up (57P).
const POSTGRES_STATE = /^(08|40|53)[0-9A-Z]{3}$|^57P[0-9A-Z]{2}$|^55P03$/;
// node-postgres reports a connection lost mid-query in words only.
const PG_LOST_CONNECTION = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)|connection (terminated|refused|closed)/i;

function unavailable(err: unknown): boolean {
  if (err instanceof ConnectionError || err instanceof TimeoutError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    const base = code.split(':')[0]!; // sqlite3 codes may read "SQLITE_IOERR: disk I/O error"
    if (NETWORK_CODES.has(base) || SQLITE_CODES.has(base) || base.startsWith('SQLITE_IOERR_') || POSTGRES_STATE.test(code)) return true;
  }
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && PG_LOST_CONNECTION.test(message);
}

/** Looks through sequelize's wrappers (`parent`, `original`) and `cause`. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (unavailable(err)) return true;
  if (depth >= 3 || typeof err !== 'object' || err === null) return false;
  const inner = err as { parent?: unknown; original?: unknown; cause?: unknown };
  return [inner.parent, inner.original, inner.cause].some((e) => e !== undefined && e !== err && isDatabaseUnavailable(e, depth + 1));
}
