/**
 * Plain SQL on the driver's own connection, for the hottest paths: intake's group commit, which the
 * forwarder waits on, and the worker's queue reads and done marks. There sequelize's query and model
 * layers cost several times the statements themselves (a captured stack, replacement parsing and
 * instance building per query; the README's "See it work, measure it" has the intake figures).
 * Everything else uses the models.
 *
 * Statements use $1, $2, … placeholders on both dialects. Dates and booleans are written the way
 * sequelize writes them, so rows written here read back through the models unchanged.
 */
import type { Sequelize } from 'sequelize';
import { connectionManagerOf } from './connection-manager.js';
import type { SqliteConnection, TransactionConnection } from './sqlite-writer.js';

/**
 * Runs one statement on its own (in its own implicit transaction: all of it or nothing) and returns
 * its rows (RETURNING included). On SQLite the caller holds the write lock.
 */
export type RawStatement = <R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<R[]>;

/** "$from, $from+1, …" for n parameters of an IN list or a VALUES row. */
export const placeholders = (from: number, n: number): string => Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');

/** sequelize's SQLite DATETIME text, e.g. "2026-11-23 05:51:54.123 +00:00" (UTC). */
const sqliteDate = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', ' +00:00');

const sqliteValue = (v: unknown): unknown => (v instanceof Date ? sqliteDate(v) : typeof v === 'boolean' ? Number(v) : v);

/** sequelize's SQLite DATETIME text (or PostgreSQL's Date) as a Date. */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v).replace(' ', 'T').replace(' +00:00', 'Z')));

const sqliteAll = (connection: SqliteConnection, text: string, params: readonly unknown[]) =>
  new Promise<never>((resolve, reject) =>
    // ?NNN is SQLite's numbered parameter: the same $n means the same value, as on PostgreSQL.
    connection.all(text.replace(/\$(\d+)/g, '?$1'), params.map(sqliteValue), (err, rows) => (err ? reject(err) : resolve(rows as never))),
  );

/**
 * SQLite: on the shared connection of plain queries (synchronous=NORMAL). Reads run there beside the
 * writer (WAL); writes whose loss in a power cut only repeats work go there under the write lock.
 */
export function sqliteSharedStatement(sequelize: Sequelize): RawStatement {
  const manager = connectionManagerOf<SqliteConnection>(sequelize);
  return async (text, params = []) => sqliteAll(await manager.getConnection(), text, params);
}

/** SQLite: on the kept transaction connection, whose commits are synced to disk. */
export function sqliteRawStatement(connections: TransactionConnection): RawStatement {
  return async (text, params = []) => {
    const connection = await connections.acquire();
    try {
      return await sqliteAll(connection, text, params);
    } finally {
      connections.done(connection);
    }
  };
}

interface PgClient {
  query(text: string, params?: readonly unknown[]): Promise<{ rows: unknown[] }>;
}

/** PostgreSQL: on a connection of sequelize's pool (which drops connections that broke). */
export function postgresRawStatement(sequelize: Sequelize): RawStatement {
  const pool = connectionManagerOf<PgClient>(sequelize);
  return async (text, params = []) => {
    const client = await pool.getConnection();
    try {
      return (await client.query(text, params)).rows as never;
    } finally {
      await pool.releaseConnection(client);
    }
  };
}
