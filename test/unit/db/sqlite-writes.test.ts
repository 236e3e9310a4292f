import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/db/database.js';
import { migrate, MIGRATION_NAMES } from '../../../src/db/migrate.js';
import { defineModels, type Models } from '../../../src/db/models.js';
import { storeEvent } from '../../../src/db/event-intake.js';
import { TenantStore } from '../../../src/db/tenant-store.js';
import { ClientInfoCodec } from '../../../src/db/sites.js';
import { SEAL_PURPOSE, Sealer } from '../../../src/secrets/sealed.js';
import { associationFields } from '../../support/rows.js';

const ASSOCIATION_A = '00000000-0000-4000-8000-00000000000a';
const ASSOCIATION_B = '00000000-0000-4000-8000-00000000000b';

describe('SQLite: WAL and serialised writes', () => {
  let db: Db;
  let models: Models;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-writes-'));

  beforeAll(async () => {
    db = await openDatabase({ dataDir: dir });
    // A fresh database runs every migration, in order.
    expect(await migrate(db)).toEqual(MIGRATION_NAMES);
    expect(MIGRATION_NAMES[0]).toBe('0001-initial');
    models = defineModels(db.sequelize);
    for (const id of [ASSOCIATION_A, ASSOCIATION_B]) {
      await models.Association.create(associationFields(id));
    }
  });
  afterAll(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs in WAL mode', async () => {
    const [rows] = await db.sequelize.query('PRAGMA journal_mode');
    expect((rows as { journal_mode: string }[])[0]?.journal_mode).toBe('wal');
  });

  it('migrations run once: a second start applies nothing', async () => {
    expect(await migrate(db)).toEqual([]);
  });

  it('hundreds of concurrent writes, transactions included, never meet SQLITE_BUSY', async () => {
    const store = new TenantStore(db, models, new ClientInfoCodec(new Sealer(crypto.randomBytes(32), SEAL_PURPOSE.connectSharedSecret)));
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      writes.push(storeEvent(db, { associationId: ASSOCIATION_A, invocationId: `inv-${i}`, type: 'OnDeploymentStart', payload: '{}' }));
      writes.push(store.set('clientInfo', { n: i }, `site-${i % 7}`));
      if (i % 10 === 0) writes.push(db.transaction(async (t) => models.StoredEvent.count({ transaction: t })));
    }
    const results = await Promise.allSettled(writes);
    const failures = results.filter((r) => r.status === 'rejected');
    expect(failures).toEqual([]);
    expect(await models.StoredEvent.count()).toBe(200);
    expect(await models.AddonSetting.count()).toBe(7);
  });

  it('a re-delivered InvocationId is stored once', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => storeEvent(db, { associationId: ASSOCIATION_B, invocationId: 'same', type: 'OnDeploymentStart', payload: '{}' })),
    );
    expect(outcomes.filter((o) => o.stored)).toHaveLength(1);
    expect(await models.StoredEvent.count({ where: { associationId: ASSOCIATION_B } })).toBe(1);
  });
});
