/**
 * PostgreSQL refusing the app's connections, as during a restart or a network cut: `cut` stops new
 * connections to the test database and ends the open ones; `restore` lets them in again. Run as the
 * server's admin through TEST_DATABASE_URL.
 */
import pg from 'pg';

export interface DatabaseCut {
  cut(): Promise<void>;
  restore(): Promise<void>;
}

export function databaseCut(databaseUrl: string): DatabaseCut {
  const database = new URL(databaseUrl).pathname.slice(1);
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    async cut() {
      await admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`);
    },
    restore: () => admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`),
  };
}
