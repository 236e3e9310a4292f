/**
 * The stored app system token is replaced by compare-and-swap: a page's call, which may replace only
 * the refused, unreadable or missing token it read, does not overwrite a token a heartbeat stored after
 * that read (even one issued earlier than the page's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { ForgeInstallationStore } from '../../src/db/forge-installations.js';

describe.each(databaseKinds)('storing the Forge app system token (%s)', (kind) => {
  let h: ForgeHarness;
  beforeAll(async () => {
    h = await startForgeHarness({ db: kind });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a token meant to replace the one read does not replace a newer one stored in between', async () => {
    const store = new ForgeInstallationStore(h.service.db, h.service.models);
    const row = async () => (await h.service.models.ForgeInstallation.findByPk(h.inst.installationId))!;
    const read = (await row()).systemTokenSealed;
    const at = Date.now() + 60_000;
    // A heartbeat's token lands after the page's call read the row...
    expect(await store.storeToken(h.inst.installationId, 'sealed-by-heartbeat', at)).toBe(true);
    // ...so the page's, meant for the token it read, is not stored, though issued later.
    expect(await store.storeToken(h.inst.installationId, 'sealed-by-page', at + 1, read)).toBe(false);
    expect((await row()).systemTokenSealed).toBe('sealed-by-heartbeat');
    // Against what is stored now it is.
    expect(await store.storeToken(h.inst.installationId, 'sealed-by-page', at + 1, 'sealed-by-heartbeat')).toBe(true);
    expect((await row()).systemTokenSealed).toBe('sealed-by-page');
  });
});
