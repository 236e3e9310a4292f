/**
 * Schema migrations, run at start (never `sync({ alter })`). On PostgreSQL an advisory lock makes
 * concurrent starts of several app processes run them once.
 */
import type { QueryInterface } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { Db } from './database.js';
import type { ClientInfoCodec } from './sites.js';
import * as initial from './migrations/0001-initial.js';
import * as sealSharedSecrets from './migrations/0002-seal-shared-secrets.js';
import * as forgeInstallations from './migrations/0004-forge-installations.js';
import * as environments from './migrations/0005-environments.js';
import * as associationIssueFloor from './migrations/0006-association-issue-floor.js';
import * as eventWrittenFlags from './migrations/0007-event-written-flags.js';
import * as associationSaves from './migrations/0008-association-saves.js';
import * as eventPayloadLz4 from './migrations/0009-event-payload-lz4.js';
import * as removedAssociations from './migrations/0010-removed-associations.js';

/** What a migration may need beyond the schema: the codec that seals secrets with the operator key. */
export interface MigrationExtras {
  clientInfo?: ClientInfoCodec;
}

interface Migration {
  name: string;
  up(qi: QueryInterface, extras: MigrationExtras): Promise<void>;
  down(qi: QueryInterface, extras: MigrationExtras): Promise<void>;
}

// Listed explicitly (not globbed) so the same list works from src/ under tsx and from dist/.
const MIGRATIONS: Migration[] = [initial, sealSharedSecrets, forgeInstallations, environments, associationIssueFloor, eventWrittenFlags, associationSaves, eventPayloadLz4, removedAssociations];
/** Every migration's name, in the order they run. */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map((m) => m.name);
const LOCK_ID = 724_011_935; // arbitrary, stable: "this app's migrations"

export async function migrate(db: Db, extras: MigrationExtras = {}): Promise<string[]> {
  const umzug = new Umzug<QueryInterface>({
    migrations: MIGRATIONS.map((m) => ({
      name: m.name,
      up: async ({ context }: { context: QueryInterface }) => m.up(context, extras),
      down: async ({ context }: { context: QueryInterface }) => m.down(context, extras),
    })),
    context: db.sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize: db.sequelize }),
    logger: undefined,
  });
  if (db.dialect === 'postgres') {
    // The transaction only holds the lock (on its own pooled connection) until umzug is done.
    return db.sequelize.transaction(async (t) => {
      await db.sequelize.query(`SELECT pg_advisory_xact_lock(${LOCK_ID})`, { transaction: t });
      return (await umzug.up()).map((m) => m.name);
    });
  }
  return db.write(async () => (await umzug.up()).map((m) => m.name));
}
