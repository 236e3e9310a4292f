/**
 * The app relies on sequelize's private connection manager in one place (src/db/connection-manager.ts).
 * These tests fail if a sequelize release changes what is relied on: the methods exist, sequelize's
 * transactions ask for a connection by uuid (so they run on the kept SQLite connection, with its
 * synced commits), plain queries ask for the shared one, and plain statements bind their values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes, Sequelize } from 'sequelize';
import { connectionManagerOf } from '../../../src/db/connection-manager.js';
import { openDatabase, type Db } from '../../../src/db/database.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

describe.each(databaseKinds)('sequelize connection manager as relied on (%s)', (kind) => {
  let tdb: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    tdb = await createTestDatabase(kind);
    db = await openDatabase({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl });
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('exposes the methods the app calls', () => {
    const manager = connectionManagerOf(db.sequelize);
    expect(typeof manager.getConnection).toBe('function');
    expect(typeof manager.releaseConnection).toBe('function');
    expect(typeof manager.destroyConnection).toBe('function');
  });

  it('plain statements bind every value, a NUL and quotes included', async () => {
    const tricky = `20a\u0000b' OR '1'='1`;
    const value = kind === 'postgres' ? tricky.replace('\u0000', '') : tricky; // PostgreSQL text holds no NUL
    const [row] = await db.rawRead<{ v: string }>(kind === 'postgres' ? 'SELECT $1::text AS v' : 'SELECT $1 AS v', [value]);
    expect(row!.v).toBe(value);
  });
});

describe('SQLite: the kept transaction connection', () => {
  let tdb: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    tdb = await createTestDatabase('sqlite');
    db = await openDatabase({ dataDir: tdb.dataDir });
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('transactions share one kept connection, apart from plain queries; synced plain writes use it too', async () => {
    // A TEMP table lives on one connection only: it shows which connection a statement ran on.
    await db.transaction((t) => db.sequelize.query('CREATE TEMP TABLE marker (x INTEGER)', { transaction: t }));
    const seen = (rows: unknown[]) => rows.length === 1;
    const tempTables = "SELECT name FROM sqlite_temp_master WHERE name = 'marker'";
    expect(seen(await db.transaction((t) => db.sequelize.query(tempTables, { type: QueryTypes.SELECT, transaction: t })))).toBe(true);
    expect(seen(await db.rawWrite(tempTables))).toBe(true);
    expect(seen(await db.sequelize.query(tempTables, { type: QueryTypes.SELECT }))).toBe(false);
    expect(seen(await db.rawRead(tempTables))).toBe(false);
    // Its commits are synced (FULL = 2); the shared connection's are not (NORMAL = 1).
    expect(Number((await db.rawWrite<{ synchronous: number }>('PRAGMA synchronous'))[0]!.synchronous)).toBe(2);
    expect(Number((await db.rawRead<{ synchronous: number }>('PRAGMA synchronous'))[0]!.synchronous)).toBe(1);
  });
});

describe('a sequelize without the methods', () => {
  it('is refused with a message naming what changed', () => {
    const fake = Object.assign(Object.create(Sequelize.prototype) as Sequelize, { connectionManager: { getConnection: () => undefined } });
    expect(() => connectionManagerOf(fake)).toThrow(/connectionManager\.releaseConnection\(\).*connection-manager\.ts/);
  });
});
