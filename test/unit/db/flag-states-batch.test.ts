/**
 * The worker's batch reads and writes of flag_states: many flags in one statement, rows read back
 * through the models unchanged, and nothing written for an association that is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/database.js';
import type { Models } from '../../../src/db/models.js';
import { FlagStates } from '../../../src/db/flag-states.js';
import { AssociationGone, removeAssociation } from '../../../src/db/associations.js';
import { databaseKinds, openTestDatabase, type OpenTestDatabase } from '../../support/databases.js';
import { associationFields } from '../../support/rows.js';

const ID = '00000000-0000-4000-8000-0000000000f1';

describe.each(databaseKinds)('flag_states batch reads and writes (%s)', (kind) => {
  let t: OpenTestDatabase | undefined;
  let db: Db;
  let models: Models;
  let states: FlagStates;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    ({ db, models } = t);
    await models.Association.create(associationFields(ID, { applicationId: 'app' }));
    states = new FlagStates(db, ID);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates missing rows and sets only the columns given, per flag', async () => {
    const keys = Array.from({ length: 1200 }, (_, i) => `flag_${i}`);
    await states.writeMany(keys.map((flagKey) => ({ flagKey, pendingWrite: `create:7@${flagKey.length}` })));
    expect((await states.rows()).size).toBe(1200);

    await states.writeMany([
      { flagKey: 'flag_1', pendingWrite: null, lastWrite: '7:flag_1', state: '{"key":"flag_1"}', issueId: '10001', issueKey: 'FLAG-1', deleted: false },
      { flagKey: 'flag_2', deleted: true },
    ]);
    const rows = await states.rows(['flag_1', 'flag_2', 'flag_3', 'missing']);
    expect([...rows.keys()].sort()).toEqual(['flag_1', 'flag_2', 'flag_3']);
    expect(rows.get('flag_1')).toEqual({ flagKey: 'flag_1', issueId: '10001', issueKey: 'FLAG-1', state: '{"key":"flag_1"}', deleted: false, pendingWrite: null, lastWrite: '7:flag_1' });
    expect(rows.get('flag_2')).toMatchObject({ deleted: true, pendingWrite: 'create:7@6', issueKey: null });
    expect(rows.get('flag_3')).toMatchObject({ deleted: false, pendingWrite: 'create:7@6', lastWrite: null });

    // What the models read is the same.
    const model = await models.FlagState.findOne({ where: { associationId: ID, flagKey: 'flag_2' } });
    expect(model?.deleted).toBe(true);
    expect(model?.updatedAt).toBeInstanceOf(Date);
    expect(Number.isNaN(model!.updatedAt.getTime())).toBe(false);
  });

  it('writes nothing once the association is removed', async () => {
    expect(await removeAssociation(db, models, 'site', ID)).toBe(true);
    await expect(states.writeMany([{ flagKey: 'flag_1', pendingWrite: '8:flag_1' }])).rejects.toBeInstanceOf(AssociationGone);
    expect((await states.rows()).size).toBe(0);
  });
});
