/**
 * The one place that reaches into sequelize's private connection manager (`sequelize.connectionManager`,
 * not part of its public API). Two optimisations need it: plain SQL on the driver's own connection for
 * the hot paths (raw-sql.ts), and one kept SQLite connection for transactions (sqlite-writer.ts).
 * The methods used are checked when the database is opened, so a sequelize release that changes them
 * fails at start-up with this message rather than misbehaving later; test/unit/db/connection-manager.test.ts
 * checks that they still behave as relied on.
 */
import { createRequire } from 'node:module';
import type { Sequelize } from 'sequelize';

export interface ConnectionManager<C> {
  /** No uuid (or "default"): the shared connection of plain queries (SQLite) or a pooled one (PostgreSQL). */
  getConnection(options?: { uuid?: string }): Promise<C>;
  releaseConnection(connection: C, force?: boolean): unknown;
  destroyConnection(connection: C): Promise<void>;
}

const METHODS = ['getConnection', 'releaseConnection', 'destroyConnection'] as const;

function sequelizeVersion(): string {
  try {
    return (createRequire(import.meta.url)('sequelize/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function connectionManagerOf<C>(sequelize: Sequelize): ConnectionManager<C> {
  const manager = (sequelize as unknown as { connectionManager?: Record<string, unknown> }).connectionManager;
  for (const method of METHODS) {
    if (typeof manager?.[method] !== 'function') {
      throw new Error(`sequelize ${sequelizeVersion()} has no connectionManager.${method}(): src/db/connection-manager.ts relies on it and must be updated`);
    }
  }
  return manager as unknown as ConnectionManager<C>;
}
