/**
 * The one sequelize instance of the process, shared by ACE's tenant store and our models.
 *
 * SQLite (the embedded default) allows one writer at a time, and transactions run on a connection
 * of their own (sqlite-writer.ts), so concurrent writes would meet SQLITE_BUSY. Every write therefore
 * goes through `db.write()` / `db.transaction()`, which on SQLite take a process-wide FIFO lock; reads
 * run freely (WAL lets readers proceed beside the writer). On PostgreSQL both are plain pass-throughs and
 * any number of processes can share the database.
 */
import path from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, restrictExisting } from '../secrets/file-modes.js';
import { Sequelize, type Transaction } from 'sequelize';
import { Mutex } from './mutex.js';
import { keepTransactionConnection } from './sqlite-writer.js';
import { postgresRawStatement, sqliteRawStatement, sqliteSharedStatement, type RawStatement } from './raw-sql.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * A database that stops answering (hung server, network partition) would otherwise hold a health check
 * until the pool's acquire timeout (60 s); the load balancer needs a prompt 503 instead.
 */
export const PING_TIMEOUT_MS = 2_000;

export interface Db {
  sequelize: Sequelize;
  dialect: Dialect;
  /** Run a write (or a few independent writes) serialised with every other write on SQLite. */
  write<T>(fn: () => Promise<T>): Promise<T>;
  /** Run fn in one transaction; pass `t` to every query inside it. */
  transaction<T>(fn: (t: Transaction) => Promise<T>): Promise<T>;
  /** One plain SQL write statement ($1, $2 … placeholders), without sequelize's query layer (raw-sql.ts: hot paths only). */
  rawWrite: RawStatement;
  /**
   * Like rawWrite, for writes whose loss in a power cut only repeats work that writes nothing twice
   * (the worker's done marks): on SQLite their commit is not synced to disk; on PostgreSQL it is.
   */
  rawWriteUnsynced: RawStatement;
  /** One plain SQL read statement, like rawWrite (on SQLite without the write lock). */
  rawRead: RawStatement;
  /** true when a trivial query answers within timeoutMs (default PING_TIMEOUT_MS). */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Closes the connections; safe to call more than once. */
  close(): Promise<void>;
}

export interface DbOptions {
  databaseUrl?: string;
  /** Folder of the SQLite file when no databaseUrl is given. */
  dataDir: string;
  /** SQLite file name inside dataDir. */
  fileName?: string;
  logging?: (sql: string) => void;
}

export async function openDatabase(opts: DbOptions): Promise<Db> {
  if (opts.databaseUrl) {
    const sequelize = new Sequelize(opts.databaseUrl, {
      dialect: 'postgres',
      logging: opts.logging ?? false,
      pool: { max: 10, min: 0, idle: 10_000 },
    });
    await sequelize.authenticate();
    const raw = postgresRawStatement(sequelize);
    return wrap(sequelize, 'postgres', undefined, raw, raw);
  }

  // Folder 0700, database files 0600 (SQLite gives -wal and -shm the database file's mode).
  ensurePrivateDir(opts.dataDir);
  const storage = path.join(opts.dataDir, opts.fileName ?? 'app.sqlite');
  const sqliteFiles = [storage, `${storage}-wal`, `${storage}-shm`];
  ensurePrivateFile(storage);
  restrictExisting(sqliteFiles);
  const sequelize = new Sequelize({
    dialect: 'sqlite',
    storage,
    logging: opts.logging ?? false,
  });
  // WAL persists in the file; busy_timeout covers the rare overlap of two connections' writes.
  await sequelize.query('PRAGMA journal_mode = WAL');
  restrictExisting(sqliteFiles);
  await sequelize.query('PRAGMA busy_timeout = 5000');
  await sequelize.query('PRAGMA synchronous = NORMAL');
  // Transactions and intake's inserts (the kept connection) hold what a 202 or a Jira write marker
  // promises: their commits are synced to disk (FULL), so a power cut cannot take back a stored event.
  // Plain writes on the shared connection (leases, done marks) can stay NORMAL: losing one only repeats
  // work that writes nothing twice.
  const connections = keepTransactionConnection(sequelize, 'PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;');
  return wrap(sequelize, 'sqlite', new Mutex(), sqliteRawStatement(connections), sqliteSharedStatement(sequelize));
}

function wrap(sequelize: Sequelize, dialect: Dialect, lock: Mutex | undefined, raw: RawStatement, shared: RawStatement): Db {
  const serialise = <T>(fn: () => Promise<T>): Promise<T> => (lock ? lock.run(fn) : fn());
  let closing: Promise<void> | undefined;
  return {
    sequelize,
    dialect,
    write: serialise,
    transaction: (fn) => serialise(() => sequelize.transaction(fn)),
    rawWrite: (text, params) => serialise(() => raw(text, params)),
    rawWriteUnsynced: (text, params) => serialise(() => shared(text, params)),
    rawRead: shared,
    async ping(timeoutMs = PING_TIMEOUT_MS) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        // A late answer (or failure) of the query is simply ignored once the timeout has won.
        return await Promise.race([sequelize.query('SELECT 1').then(() => true, () => false), timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
    // sequelize's SQLite close throws SQLITE_MISUSE when called twice; shutdown paths may close twice.
    close: () => (closing ??= sequelize.close()),
  };
}
