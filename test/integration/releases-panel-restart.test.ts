/**
 * A deployment that starts before the app is killed (SIGKILL) and completes after it restarts on the
 * same database: the environments' state survived, the panel ends exactly right, and every
 * submission's updateSequenceId is newer than the last (Jira ignored none as stale). A submission whose
 * answer the kill cut off may be sent again after the restart, identical: that is the one repeat allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { associateVia, installOn, postEvent, startAppProcess, startDoubles, type AppProcess, type Doubles } from '../support/app-process.js';
import { deploymentEvent, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { waitFor } from '../support/wait.js';

const PRODUCTION = { Id: 'env-prd', Name: 'production' };
const STAGING = { Id: 'env-stg', Name: 'staging' };
// The killed process's lease on the association must run out before the restarted one takes it over.

describe.each(databaseKinds)('a restart in the middle of a deployment (%s)', (kind) => {
  let doubles: Doubles;
  let db: TestDatabase;
  let app: AppProcess | undefined;
  let id: string;

  beforeAll(async () => {
    doubles = await startDoubles();
    db = await createTestDatabase(kind);
    app = await startAppProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env: { WORKER_LEASE_MS: '3000' } });
    await installOn(doubles, app);
    id = await associateVia(doubles, app, doubles.profiles[0]!.id);
  }, 90_000);
  afterAll(async () => {
    await app?.kill('SIGKILL');
    await doubles?.close();
    await db?.drop();
  });

  const target = () => ({ app: doubles.app, profile: doubles.profiles[0]! });
  const send = async (event: Record<string, unknown>) => expect((await postEvent(doubles, app!, id, event)).status).toBe(202);
  const envOf = (flagKey: string, env: string) => {
    const flag = doubles.jira.featureFlags.flags.get(`${id}.${flagKey}`)?.flag;
    return flag?.details.find((d) => (d.environment as { name: string }).name === env)?.status as { enabled: boolean; rollout?: { text: string } } | undefined;
  };

  it('keeps the deployment under way across SIGKILL and shows its completion exactly', async () => {
    await send(preCreateEvent(target(), flagsV1(), 1));
    await send(deploymentEvent(target(), 1, { environment: PRODUCTION, deploymentNumber: 1, type: 'OnDeploymentComplete' }));
    await send(deploymentEvent(target(), 1, { environment: STAGING, deploymentNumber: 1, type: 'OnDeploymentComplete' }));
    await send(preCreateEvent(target(), flagsV2(), 2));
    await send(deploymentEvent(target(), 2, { environment: PRODUCTION, deploymentNumber: 2, type: 'OnDeploymentStart' }));
    await waitFor('the deployment under way in the panel', () => envOf('beta_banner', 'production')?.rollout, 30_000);
    expect(envOf('beta_banner', 'production')).toEqual({ enabled: false, rollout: { text: expect.stringContaining('Deployment #2 of version 2') } });

    await app!.kill('SIGKILL');
    app = await startAppProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env: { WORKER_LEASE_MS: '3000' } });

    await send(deploymentEvent(target(), 2, { environment: PRODUCTION, deploymentNumber: 2, type: 'OnDeploymentComplete' }));
    await waitFor('the completed deployment in the panel', () => envOf('beta_banner', 'production')?.enabled === true, 30_000);
    expect(envOf('beta_banner', 'production')).toEqual({ enabled: true });
    expect(envOf('beta_banner', 'staging')).toEqual({ enabled: false });
    expect(envOf('checkout_v2', 'production')).toEqual({ enabled: true });
    expect(envOf('search_ranking', 'production')).toEqual({ enabled: false });
    expect(doubles.jira.featureFlags.staleIgnored).toBe(0);
    // Every submission of a flag carried a newer updateSequenceId than the one before it.
    const sequences = new Map<string, number[]>();
    for (const r of doubles.jira.requests.filter((q) => q.path === '/rest/featureflags/0.1/bulk' && q.status === 202)) {
      for (const f of (r.body as { flags: { id: string; updateSequenceId: number }[] }).flags) sequences.set(f.id, [...(sequences.get(f.id) ?? []), f.updateSequenceId]);
    }
    // Never lower than the one before; equal only for an identical re-send (counted as a repeat above).
    for (const [flagId, seqs] of sequences) expect(seqs, flagId).toEqual([...seqs].sort((a, b) => a - b));
    const banner = () => [...doubles.jira.issues()].find((i) => (i.properties.appconfigFlag as { flagKey?: string } | undefined)?.flagKey === 'beta_banner')!;
    await waitFor('the issue property', () => (banner().properties.appconfigFlagState as { enabledIn?: string[] } | undefined)?.enabledIn?.length, 30_000);
    expect(banner().properties.appconfigFlagState).toEqual({ enabledIn: ['production'], disabledIn: ['staging'], deployedVersion: { production: '2', staging: '1' } });
  }, 120_000);
});
