/** A fresh database for one benchmark run: a SQLite folder, or a new PostgreSQL database dropped afterwards. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type DbKind = 'sqlite' | 'postgres';

export interface BenchDatabase {
  kind: DbKind;
  dataDir: string;
  /** The fresh database's URL (PostgreSQL only). */
  databaseUrl?: string;
  /** Where it runs, without credentials, for the report. */
  label: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** `serverUrl` (DATABASE_URL) names the server and a database to connect to for CREATE/DROP DATABASE. */
export async function createBenchDatabase(kind: DbKind, serverUrl?: string): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'appconfig-jira-bench-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'sqlite') return { kind, dataDir, label: `SQLite in ${dataDir}`, drop: async () => removeDir() };
  if (!serverUrl) throw new Error('PostgreSQL needs DATABASE_URL');
  const name = `bench_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    dataDir,
    databaseUrl: url.toString(),
    label: `PostgreSQL ${url.hostname}:${url.port || 5432}/${name} (fresh, dropped afterwards)`,
    async drop() {
      await withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      removeDir();
    },
  };
}
