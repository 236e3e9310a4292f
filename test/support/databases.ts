/**
 * The databases the suite runs on: SQLite always, PostgreSQL too where TEST_DATABASE_URL is set
 * (CI sets it). Each harness gets a fresh, empty PostgreSQL database of its own, dropped on close.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { defineModels, type Models } from '../../src/db/models.js';

export type DbKind = 'sqlite' | 'postgres';

export const databaseKinds: DbKind[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  kind: DbKind;
  dataDir: string;
  databaseUrl?: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'appconfig-jira-'));
  if (kind === 'sqlite') {
    return { kind, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    kind,
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface OpenTestDatabase {
  db: Db;
  models: Models;
  /** Closes the connection and drops the database. */
  close(): Promise<void>;
}

/** A fresh database of `kind` with the app's schema, opened as the app opens it. */
export async function openTestDatabase(kind: DbKind): Promise<OpenTestDatabase> {
  const tdb = await createTestDatabase(kind);
  const db = await openDatabase({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl });
  await migrate(db);
  return {
    db,
    models: defineModels(db.sequelize),
    async close() {
      await db.close();
      await tdb.drop();
    },
  };
}
