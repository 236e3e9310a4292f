/**
 * Where engineers look, end to end (HTTP intake, database, worker, Jira double): saved versions and
 * deployments to staging and production give exactly the Releases-panel flags, per flag and
 * environment, that the versions deployed there say; the appconfigFlagState property answers JQL by
 * environment exactly; two associations on one site stay apart; removal deletes one's flags only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JiraClient } from '../../src/jira/index.js';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deploymentEvent, type DeploymentType, type EventTarget, preCreateEvent } from '../support/events.js';
import { flagsV1, flagsV2 } from '../support/fixtures.js';
import { issuesByFlag, waitIdle } from '../support/pipeline-kit.js';

const STAGING = { Id: 'env-stg', Name: 'staging' };
const PRODUCTION = { Id: 'env-prd', Name: 'production' };

interface PanelEnv {
  type?: string;
  enabled: boolean;
  rollout?: string;
}
interface PanelFlag {
  name: string;
  enabled: boolean;
  issues: string[];
  envs: Record<string, PanelEnv>;
}

describe.each(databaseKinds)('Releases panel and JQL per environment (%s)', (kind) => {
  let h: Harness;
  let first: string;
  let jiraClient: JiraClient;
  let target: EventTarget;

  beforeAll(async () => {
    h = await startHarness({ db: kind });
    first = (await h.associate()).id;
    target = h;
    jiraClient = new JiraClient(h.jira.tenant(), { sleep: async () => {} });
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = async (associationId: string, event: Record<string, unknown>) => {
    const res = await h.sendEvent(associationId, event);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await waitIdle(h.service.db);
  };
  const deploy = (t: EventTarget, version: number, environment: { Id: string; Name: string }, deploymentNumber: number, type: DeploymentType) =>
    deploymentEvent(t, version, { environment, deploymentNumber, type });

  /** The panel as Jira stores it for one association: per flag key, its environments. */
  const panel = (associationId: string): Record<string, PanelFlag> => {
    const out: Record<string, PanelFlag> = {};
    for (const { flag, properties } of h.jira.featureFlags.flags.values()) {
      if (properties.appconfigAssociation !== associationId) continue;
      const f = flag as unknown as {
        key: string;
        displayName: string;
        summary: { status: { enabled: boolean } };
        associations: { values: string[] }[];
        details: { environment: { name: string; type?: string }; status: { enabled: boolean; rollout?: { text: string } }; url: string }[];
      };
      out[f.key] = {
        name: f.displayName,
        enabled: f.summary.status.enabled,
        issues: f.associations[0]!.values,
        envs: Object.fromEntries(
          f.details.map((d) => [d.environment.name, { ...(d.environment.type ? { type: d.environment.type } : {}), enabled: d.status.enabled, ...(d.status.rollout ? { rollout: d.status.rollout.text } : {}) }]),
        ),
      };
    }
    return out;
  };
  const jql = async (query: string) => (await jiraClient.searchJql(query)).map((i) => i.key).sort();
  const keyOf = (flagKey: string, profileId = h.profile.id) => issuesByFlag(h.jira, profileId).get(flagKey)!.key;
  const submissionsTo = (path: string) => h.jira.requests.filter((r) => r.path === path);

  it('nothing enters the panel before a deployment completes somewhere (Jira needs an environment; none is invented)', async () => {
    await send(first, preCreateEvent(target, flagsV1(), 1, { description: 'first flags' }));
    await send(first, deploy(target, 1, STAGING, 1, 'OnDeploymentStart'));
    expect(panel(first)).toEqual({});
    expect(await jql('appconfigEnabledIn = staging')).toEqual([]);
  });

  it('a completed deployment to staging puts every flag of that version in the panel with its staging value', async () => {
    h.jira.clearRequests();
    await send(first, deploy(target, 1, STAGING, 1, 'OnDeploymentComplete'));
    const checkout = keyOf('checkout_v2');
    const banner = keyOf('beta_banner');
    expect(panel(first)).toEqual({
      checkout_v2: { name: 'Checkout v2', enabled: true, issues: [checkout], envs: { staging: { type: 'staging', enabled: true } } },
      beta_banner: { name: 'Beta banner', enabled: false, issues: [banner], envs: { staging: { type: 'staging', enabled: false } } },
    });
    // One submission for both flags, one bulk property call for both issues.
    expect(submissionsTo('/rest/featureflags/0.1/bulk')).toHaveLength(1);
    expect(submissionsTo('/rest/api/3/issue/properties/multi')).toHaveLength(1);
    expect(h.jira.issue(checkout)?.properties.appconfigFlagState).toEqual({ enabledIn: ['staging'], disabledIn: [], deployedVersion: { staging: '1' } });
    expect(await jql('appconfigEnabledIn = staging')).toEqual([checkout]);
    expect(await jql('appconfigDisabledIn = staging')).toEqual([banner]);
  });

  it('saving v2 resubmits only the flag whose panel changed (beta_banner now on), and writes no property', async () => {
    h.jira.clearRequests();
    await send(first, preCreateEvent(target, flagsV2(), 2, { description: 'raise checkout limit' }));
    const sent = submissionsTo('/rest/featureflags/0.1/bulk');
    expect(sent).toHaveLength(1);
    expect((sent[0]!.body as { flags: { key: string }[] }).flags.map((f) => f.key)).toEqual(['beta_banner']);
    expect(panel(first).beta_banner).toMatchObject({ enabled: true, envs: { staging: { type: 'staging', enabled: false } } });
    // search_ranking exists only in v2, deployed nowhere yet: not in the panel.
    expect(panel(first).search_ranking).toBeUndefined();
    expect(submissionsTo('/rest/api/3/issue/properties/multi')).toHaveLength(0);
  });

  it('v2 completed in production: each flag shows its production value; JQL by environment is exact', async () => {
    await send(first, deploy(target, 2, PRODUCTION, 1, 'OnDeploymentStart'));
    await send(first, deploy(target, 2, PRODUCTION, 1, 'OnDeploymentComplete'));
    const [checkout, banner, search] = ['checkout_v2', 'beta_banner', 'search_ranking'].map((k) => keyOf(k));
    expect(panel(first)).toEqual({
      checkout_v2: { name: 'Checkout v2', enabled: true, issues: [checkout!], envs: { staging: { type: 'staging', enabled: true }, production: { type: 'production', enabled: true } } },
      beta_banner: { name: 'Beta banner', enabled: true, issues: [banner!], envs: { staging: { type: 'staging', enabled: false }, production: { type: 'production', enabled: true } } },
      // Not in v1 (staging): it is served nowhere there, so off.
      search_ranking: { name: expect.any(String), enabled: false, issues: [search!], envs: { staging: { type: 'staging', enabled: false }, production: { type: 'production', enabled: false } } },
    });
    expect(await jql('appconfigEnabledIn = production')).toEqual([banner, checkout].sort());
    expect(await jql('appconfigDisabledIn = production')).toEqual([search]);
    expect(await jql('appconfigEnabledIn = staging')).toEqual([checkout]);
    expect(await jql('appconfigDisabledIn = staging')).toEqual([banner, search].sort());
    expect(h.jira.issue(banner!)?.properties.appconfigFlagState).toEqual({ enabledIn: ['production'], disabledIn: ['staging'], deployedVersion: { production: '2', staging: '1' } });
    // appconfigFlag keeps exactly its five fields.
    expect(Object.keys(h.jira.issue(banner!)?.properties.appconfigFlag as object).sort()).toEqual(['accountId', 'applicationId', 'configurationProfileId', 'flagKey', 'region']);
  });

  it('a deployment under way says so in rollout.text; its rollback restores the version before, exactly', async () => {
    await send(first, deploy(target, 2, STAGING, 2, 'OnDeploymentStart'));
    expect(panel(first).beta_banner!.envs.staging).toEqual({ type: 'staging', enabled: false, rollout: expect.stringMatching(/^Deployment #2 of version 2 \(on in it\) is under way since /) });
    expect(panel(first).beta_banner!.envs.production).toEqual({ type: 'production', enabled: true });

    h.jira.clearRequests();
    await send(first, deploy(target, 2, STAGING, 2, 'OnDeploymentRolledBack'));
    expect(panel(first).beta_banner!.envs.staging).toEqual({ type: 'staging', enabled: false });
    expect(await jql('appconfigEnabledIn = staging')).toEqual([keyOf('checkout_v2')]);
    // The rollback changed the panel (rollout gone) but no flag's on/off anywhere: no property write.
    expect(submissionsTo('/rest/api/3/issue/properties/multi')).toHaveLength(0);
  });

  it('never sends a stale or an invalid submission', () => {
    expect(h.jira.featureFlags.staleIgnored).toBe(0);
    expect(h.jira.requests.filter((r) => r.path.startsWith('/rest/featureflags/') && r.status >= 400)).toEqual([]);
  });

  it('a second association on the site has its own flags (own ids, own issues); the first is untouched', async () => {
    const other = h.aws.addProfile(h.app.id, { name: 'mobile-flags', type: 'AWS.AppConfig.FeatureFlags' });
    const second = (await h.associate({ configurationProfileId: other.id })).id;
    const otherTarget = { app: h.app, profile: other };
    const before = panel(first);
    await send(second, preCreateEvent(otherTarget, flagsV1(), 1));
    await send(second, deploy(otherTarget, 1, PRODUCTION, 1, 'OnDeploymentComplete'));
    const checkout2 = keyOf('checkout_v2', other.id);
    expect(panel(second)).toEqual({
      checkout_v2: { name: 'Checkout v2', enabled: true, issues: [checkout2], envs: { production: { type: 'production', enabled: true } } },
      beta_banner: { name: 'Beta banner', enabled: false, issues: [keyOf('beta_banner', other.id)], envs: { production: { type: 'production', enabled: false } } },
    });
    expect(panel(first)).toEqual(before);
    expect(h.jira.featureFlags.flags.size).toBe(5);
    expect(await jql('appconfigEnabledIn = production')).toEqual([keyOf('beta_banner'), keyOf('checkout_v2'), checkout2].sort());

    // Removing the second deletes its flags from the panel, and its state from its issues (JQL no longer
    // finds them on in production), and only its own.
    const firstState = h.jira.issue(keyOf('checkout_v2'))?.properties.appconfigFlagState;
    const res = await h.api('delete', `/api/associations/${second}`);
    expect(res.status).toBe(204);
    expect(panel(second)).toEqual({});
    expect(panel(first)).toEqual(before);
    expect(h.jira.issue(checkout2)?.properties.appconfigFlagState).toBeUndefined();
    expect(h.jira.issue(keyOf('beta_banner', other.id))?.properties.appconfigFlagState).toBeUndefined();
    expect(h.jira.issue(keyOf('checkout_v2'))?.properties.appconfigFlagState).toEqual(firstState);
    expect(await jql('appconfigEnabledIn = production')).toEqual([keyOf('beta_banner'), keyOf('checkout_v2')].sort());
    // The issues themselves stay, with their flag's identity: they are the flags' history.
    expect(h.jira.issue(checkout2)?.properties.appconfigFlag).toBeDefined();
    const rows = await h.service.db.sequelize.query(`SELECT association_id FROM flag_panels WHERE association_id = '${second}'`);
    expect(rows[0]).toEqual([]);
  });

  it("a flag's issue deleted in Jira and recreated by its next change gets appconfigFlagState again, and the panel names the new issue", async () => {
    const oldKey = keyOf('beta_banner');
    const state = h.jira.issue(oldKey)?.properties.appconfigFlagState;
    expect(state).toBeDefined();
    expect(h.jira.deleteIssue(oldKey)).toBe(true);
    const v3 = flagsV2() as { flags: Record<string, { name: string }> };
    v3.flags.beta_banner!.name = 'Beta banner, renamed';
    await send(first, preCreateEvent(target, v3, 3));
    const newKey = keyOf('beta_banner');
    expect(newKey).not.toBe(oldKey);
    expect(h.jira.issue(newKey)?.properties.appconfigFlagState).toEqual(state);
    expect(await jql('appconfigEnabledIn = production')).toContain(newKey);
    expect(panel(first).beta_banner).toMatchObject({ name: 'Beta banner, renamed', issues: [newKey] });
  });
  it('a flag deleted in the newest saved version is off in its summary; each environment still shows the version deployed there', async () => {
    const before = panel(first).checkout_v2!;
    expect(before.enabled).toBe(true);
    const v4 = flagsV2() as { flags: Record<string, unknown>; values: Record<string, unknown> };
    delete v4.flags.checkout_v2;
    delete v4.values.checkout_v2;
    await send(first, preCreateEvent(target, v4, 4));
    expect(panel(first).checkout_v2).toEqual({ ...before, enabled: false });
  });
});
