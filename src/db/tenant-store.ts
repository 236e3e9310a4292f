/**
 * ACE's tenant store, on our shared sequelize instance and our migrated AddonSettings table.
 *
 * ACE's own sequelize adapter opens a second Sequelize (a second SQLite connection, racing ours for the
 * write lock) and creates its tables with sync(). This adapter keeps ACE's storage interface and table
 * layout but routes every write through `db.write()`, so ACE's writes are serialised with ours. The
 * clientInfo row is read and written through the same codec as the tenancy module's (db/sites.ts).
 */
import type { Db } from './database.js';
import type { Models } from './models.js';
import { isDatabaseUnavailable } from './unavailable.js';
import { CLIENT_INFO, type ClientInfo, type ClientInfoCodec } from './sites.js';

/** The text an ACE refusal carries when the tenant lookup could not reach the database. */
export const TENANT_STORE_UNAVAILABLE = 'the tenant store cannot reach the database';

const asObject = (val: unknown): unknown => (typeof val === 'string' ? JSON.parse(val) : val);

export class TenantStore {
  readonly connectionPromise: Promise<void> = Promise.resolve();
  readonly schema: Db['sequelize'];

  constructor(
    private readonly db: Db,
    private readonly models: Models,
    private readonly clientInfo: ClientInfoCodec,
  ) {
    this.schema = db.sequelize;
  }

  isMemoryStore(): boolean {
    return false;
  }

  async get(key: string, clientKey: string): Promise<unknown> {
    // ACE looks the tenant up by the JWT's claims before it verifies them: an `iss` or `aud` that is an
    // object or an array names no tenant (ACE then refuses the token, 401) and must not reach the query.
    if (typeof key !== 'string' || typeof clientKey !== 'string') return null;
    let row;
    try {
      row = await this.models.AddonSetting.findOne({ where: { key, clientKey } });
    } catch (err) {
      // ACE keeps only the text of what the store throws: the error handler reads this one as a 503.
      if (isDatabaseUnavailable(err)) throw new Error(TENANT_STORE_UNAVAILABLE);
      throw err;
    }
    if (!row) return null;
    return key === CLIENT_INFO ? this.clientInfo.decode(row.val, clientKey) : asObject(row.val);
  }

  async getAllClientInfos(): Promise<unknown[]> {
    const rows = await this.models.AddonSetting.findAll({ where: { key: CLIENT_INFO } });
    return rows.map((r) => this.clientInfo.decode(r.val, r.clientKey ?? ''));
  }

  set(key: string, value: unknown, clientKey: string): Promise<unknown> {
    const val = key === CLIENT_INFO ? this.clientInfo.encode(value as ClientInfo, clientKey) : value;
    return this.db.write(async () => {
      const [row, created] = await this.models.AddonSetting.findOrCreate({
        where: { key, clientKey },
        defaults: { key, clientKey, val },
      });
      if (!created) await row.update({ val });
      return value;
    });
  }

  /** ACE's install handler calls this; Forge installation mapping is not used by this app. */
  saveInstallation(value: ClientInfo, clientKey: string): Promise<unknown> {
    return this.set(CLIENT_INFO, value, clientKey);
  }

  /** `del(clientKey)` deletes every row of the tenant; `del(key, clientKey)` one row. */
  del(keyOrClientKey: string, clientKey?: string): Promise<number> {
    const where = clientKey === undefined ? { clientKey: keyOrClientKey } : { key: keyOrClientKey, clientKey };
    return this.db.write(() => this.models.AddonSetting.destroy({ where }));
  }

  // Connect-on-Forge installation mapping: this app is a plain Connect app and never receives one.
  async getClientSettingsForForgeInstallation(): Promise<null> {
    return null;
  }

  async associateInstallations(): Promise<void> {}

  async deleteAssociation(): Promise<void> {}

  forForgeInstallation(): never {
    throw new Error('Forge installations are not supported by this app');
  }
}
