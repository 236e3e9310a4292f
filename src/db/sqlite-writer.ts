/**
 * One kept connection for SQLite transactions.
 *
 * sequelize's SQLite dialect opens a new connection for every transaction and closes it afterwards.
 * Opening the file and reading the schema again cost more than a small transaction itself (intake's
 * group commit spent most of its time there). Every SQLite transaction of this app runs under the
 * write lock (database.ts), one at a time, so they can all share one connection that stays open:
 * sequelize's transactions (through its connection manager, patched here) and intake's plain
 * statements (raw-sql.ts).
 * A transaction that asks while the kept connection is busy (one started outside the lock) still gets
 * a connection of its own, as before: sharing is an optimisation, never a requirement.
 */
import type { Sequelize } from 'sequelize';
import { connectionManagerOf, type ConnectionManager } from './connection-manager.js';

/** The parts of node-sqlite3's Database used here and in raw-sql.ts. */
export interface SqliteConnection {
  exec(sql: string, callback: (err: Error | null) => void): void;
  all(sql: string, params: unknown[], callback: (err: Error | null, rows: unknown[]) => void): void;
  close(callback?: (err: Error | null) => void): void;
  uuid?: string;
}

type SqliteConnectionManager = ConnectionManager<SqliteConnection>;

const KEPT_UUID = 'kept-transaction-connection';
let ownConnections = 0;

const execSql = (connection: SqliteConnection, sql: string) =>
  new Promise<void>((resolve, reject) => connection.exec(sql, (err) => (err ? reject(err) : resolve())));

export class TransactionConnection {
  private kept: SqliteConnection | undefined;
  private busy = false;
  private readonly open: SqliteConnectionManager['getConnection'];
  private readonly release: SqliteConnectionManager['releaseConnection'];

  /**
   * `pragmas` run once on each transaction connection when it is opened (per-connection settings such
   * as busy_timeout and synchronous do not carry over from other connections).
   */
  constructor(
    private readonly manager: SqliteConnectionManager,
    private readonly pragmas: string,
  ) {
    this.open = manager.getConnection.bind(manager);
    this.release = manager.releaseConnection.bind(manager);
  }

  /** The kept connection, or (when it is busy) a new one that `done` closes again. */
  async acquire(uuid = `own-${++ownConnections}`): Promise<SqliteConnection> {
    if (this.busy) {
      const own = await this.open({ uuid });
      await execSql(own, this.pragmas);
      own.uuid = uuid; // sequelize's release closes a connection that carries a uuid
      return own;
    }
    this.busy = true;
    try {
      if (!this.kept) {
        const connection = await this.open({ uuid: KEPT_UUID });
        await execSql(connection, this.pragmas);
        this.kept = connection;
      }
      return this.kept;
    } catch (err) {
      this.busy = false;
      throw err;
    }
  }

  /** The transaction ended cleanly: the kept connection is free again (an own one is closed). */
  done(connection: SqliteConnection, force?: boolean): void {
    if (connection === this.kept) this.busy = false;
    else this.release(connection, force);
  }

  /** COMMIT or ROLLBACK itself failed: the connection's state is unknown, so it is closed. */
  broken(connection: SqliteConnection): void {
    if (connection === this.kept) {
      this.kept = undefined;
      this.busy = false;
      connection.uuid = KEPT_UUID; // the key sequelize keeps it under, so release forgets it there
    }
    this.release(connection, true);
  }

  isOurs(connection: SqliteConnection): boolean {
    return connection === this.kept;
  }
}

/** Routes sequelize's transactions through one TransactionConnection, which is returned for raw use. */
export function keepTransactionConnection(sequelize: Sequelize, pragmas: string): TransactionConnection {
  const manager = connectionManagerOf<SqliteConnection>(sequelize);
  const connections = new TransactionConnection(manager, pragmas);
  const open = manager.getConnection.bind(manager);
  const destroy = manager.destroyConnection.bind(manager);

  manager.getConnection = async (options) => {
    const uuid = options?.uuid;
    // No uuid (or "default"): the shared connection of plain queries, untouched.
    if (!uuid || uuid === 'default') return open(options);
    return connections.acquire(uuid);
  };
  manager.releaseConnection = (connection, force) => connections.done(connection, force);
  manager.destroyConnection = async (connection) => {
    if (connections.isOurs(connection)) return connections.broken(connection);
    return destroy(connection);
  };
  return connections;
}
