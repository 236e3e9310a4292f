/**
 * Secrets at rest, read the way an attacker with a copy of the database would: the raw SQLite file
 * bytes (main file and WAL) and PostgreSQL's rows as text hold no Connect shared secret; the data
 * folder is 0700 and the database files 0600; rows written in plain text before migration 0002 are
 * sealed by it and still work; a sealed secret opens only with the operator key and for its own row.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sealMigration from '../../src/db/migrations/0002-seal-shared-secrets.js';
import { ClientInfoCodec } from '../../src/db/sites.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService } from '../../src/service.js';
import { SEAL_PURPOSE, SealedValueError, Sealer } from '../../src/secrets/sealed.js';
import { startJiraDouble, type JiraDouble } from '../doubles/jira/index.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness, TEST_OPERATOR_KEY, type Harness } from '../support/harness.js';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe.each(databaseKinds)('secrets at rest on %s', (kind) => {
  let h: Harness;
  let other: JiraDouble;
  const secrets: string[] = [];

  /** Every byte the database holds, as an attacker with a copy would read it. */
  async function rawDatabase(): Promise<string> {
    if (kind === 'sqlite') {
      const base = path.join(h.db.dataDir, 'app.sqlite');
      return [base, `${base}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1')).join('\n');
    }
    const tables = await h.service.db.sequelize.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`, { type: QueryTypes.SELECT });
    const texts: string[] = [];
    for (const { tablename } of tables) {
      const rows = await h.service.db.sequelize.query<{ t: string }>(`SELECT t::text AS t FROM "${tablename}" t`, { type: QueryTypes.SELECT });
      texts.push(...rows.map((r) => r.t));
    }
    return texts.join('\n');
  }

  beforeAll(async () => {
    h = await startHarness({ db: kind, worker: false });
    other = await startJiraDouble();
    expect((await other.install(h.service.config.baseUrl)).status).toBe(204);
    // A re-install that rotates the secret: the old and the new are both never at rest in plain text.
    secrets.push(h.jira.sharedSecret);
    expect((await h.jira.install(h.service.config.baseUrl, { rotateSecret: true })).status).toBe(204);
    secrets.push(h.jira.sharedSecret, other.sharedSecret);
    await h.associate();
  });
  afterAll(async () => {
    await other?.close();
    await h?.close();
  });

  it('the raw database holds no shared secret, while the app still acts with them', async () => {
    if (kind === 'sqlite') await h.service.db.sequelize.query('PRAGMA wal_checkpoint(PASSIVE)');
    const raw = await rawDatabase();
    expect(raw).toContain(h.jira.clientKey); // the bytes are really the tenant data
    for (const secret of secrets) expect(raw.includes(secret)).toBe(false);
    expect(raw).not.toMatch(/"sharedSecret"/);
    expect(raw).toContain('sealed.v1.');
    // The app opens them: the API (Connect JWT) and a Jira call as the app both work.
    expect((await h.api('get', '/api/associations')).status).toBe(200);
    expect(await (await h.service.tenancy.jiraFor(other.clientKey)).hasGlobalAdmin(other.adminAccountId)).toBe(true);
  });

  it('migration 0002 seals a clientInfo row written in plain text, which then still works', async () => {
    const clientKey = crypto.randomUUID();
    const plainSecret = crypto.randomBytes(32).toString('base64url');
    const qi = h.service.db.sequelize.getQueryInterface();
    const val = { clientKey, key: h.jira.appKey, sharedSecret: plainSecret, baseUrl: other.url };
    await qi.bulkInsert('AddonSettings', [{ clientKey, key: 'clientInfo', val: JSON.stringify(val) }]);
    // Without the operator key it refuses to run rather than leave the secret in plain text.
    await expect(sealMigration.up(qi)).rejects.toThrow(/operator key/);
    const codec = new ClientInfoCodec(new Sealer(Buffer.from(TEST_OPERATOR_KEY, 'utf8'), SEAL_PURPOSE.connectSharedSecret));
    await sealMigration.up(qi, { clientInfo: codec });
    await sealMigration.compactAfterSealing(h.service.db); // what the app does after this migration ran
    expect((await rawDatabase()).includes(plainSecret)).toBe(false);
    expect(await h.service.tenancy.connectSharedSecret(clientKey)).toBe(plainSecret);
    // Running it again changes nothing.
    const before = await h.service.models.AddonSetting.findOne({ where: { clientKey } });
    await sealMigration.up(qi, { clientInfo: codec });
    expect((await h.service.models.AddonSetting.findOne({ where: { clientKey } }))?.val).toEqual(before?.val);
    await h.service.tenancy.purge(clientKey);
  });
});

describe('the SQLite data folder', () => {
  it('is created 0700 with database and operator key files 0600 whatever the umask, and a restart restores looser modes', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'data-modes-'));
    const dataDir = path.join(root, 'nested', 'data');
    const files = ['app.sqlite', 'app.sqlite-wal', 'app.sqlite-shm', 'app-secret.key'].map((f) => path.join(dataDir, f));
    const config = { ...loadConfig({ NODE_ENV: 'test', WORKER: 'off' }), port: 0, dataDir };
    const umask = process.umask(0o002);
    try {
      // Checked while the app runs: SQLite removes -wal and -shm when its last connection closes.
      let service = await startService(config, createLogger('silent'), { host: '127.0.0.1' });
      try {
        expect(mode(dataDir)).toBe(0o700);
        for (const file of files) expect(mode(file), file).toBe(0o600);
        fs.chmodSync(dataDir, 0o755);
        for (const file of files) fs.chmodSync(file, 0o644);
      } finally {
        await service.close();
      }
      service = await startService(config, createLogger('silent'), { host: '127.0.0.1' });
      try {
        expect(mode(dataDir)).toBe(0o700);
        for (const file of files) expect(mode(file), file).toBe(0o600);
      } finally {
        await service.close();
      }
    } finally {
      process.umask(umask);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('sealed values', () => {
  const key = crypto.randomBytes(32);
  const sealer = new Sealer(key, SEAL_PURPOSE.connectSharedSecret);

  it('open with the same operator key, purpose and row, and with nothing else', () => {
    const sealed = sealer.seal('the-secret', 'site-a');
    expect(sealed).not.toContain('the-secret');
    expect(sealer.seal('the-secret', 'site-a')).not.toBe(sealed); // a fresh IV each time
    expect(sealer.open(sealed, 'site-a')).toBe('the-secret');
    expect(() => sealer.open(sealed, 'site-b')).toThrow(SealedValueError);
    expect(() => new Sealer(key, SEAL_PURPOSE.forgeAppToken).open(sealed, 'site-a')).toThrow(SealedValueError);
    expect(() => new Sealer(crypto.randomBytes(32), SEAL_PURPOSE.connectSharedSecret).open(sealed, 'site-a')).toThrow(SealedValueError);
    const bytes = Buffer.from(sealed.slice('sealed.v1.'.length), 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => sealer.open(`sealed.v1.${bytes.toString('base64url')}`, 'site-a')).toThrow(SealedValueError);
    expect(() => sealer.open('sealed.v1.AAAA', 'site-a')).toThrow(SealedValueError);
  });
});
