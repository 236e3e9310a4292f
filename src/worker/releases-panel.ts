/**
 * Keeps Jira's Releases panel and the `appconfigFlagState` issue property in step with the
 * environments, for one association:
 *
 * 1. `observe` takes in what an event says: a saved version's flag values, or a deployment's effect on
 *    its environment (idempotent: processing an event again changes nothing). The worker calls it after
 *    each event, and `saveObserved` once for many events, before it marks them done.
 * 2. `publish` renders every flag in the panel, records the flags whose panel or property changed (a new
 *    updateSequenceId is taken right then, so a late retry can never overwrite newer state), and sends
 *    what is due: whole flags, 100 a call; properties, 100 issues a call. It reads every flag of the
 *    association, so the worker calls it once per round, after the round's last event.
 *
 * What is recorded stays due until Jira answers, so a failure or a crash only delays it. Retryable Jira
 * failures propagate (the worker reschedules the event); refusals are returned for the health.
 */
import type { Db } from '../db/database.js';
import type { AssociationRow, Models } from '../db/models.js';
import { isDeploymentEvent, type StoredEventPayload } from '../events/appconfig-event.js';
import type { Flag } from '../flags/index.js';
import { ASSOCIATION_PROPERTY, featureFlag, type JiraFeatureFlag } from '../flags/render/feature-flag.js';
import { FEATURE_FLAGS_PER_CALL, ISSUES_PER_PROPERTY_CALL, JiraError, type JiraClient, type PropertyTask } from '../jira/index.js';
import { appConfigConsoleUrl } from '../environments/console-link.js';
import { applyDeployment, deploymentFact, type EnvironmentState } from '../environments/deployments.js';
import { FLAG_STATE_PROPERTY, flagEnvironments, flagReachedAnEnvironment, flagStateProperty } from '../environments/flag-environments.js';
import { EnvironmentStore, flagStateWrittenMark, type FlagPanelRow } from '../db/environments.js';
import { FlagStates } from '../db/flag-states.js';
import { AssociationGone, findById } from '../db/associations.js';
import { chunks } from '../chunks.js';

/**
 * The property of a flag with no known state anywhere (a first deployment only started): JQL finds such
 * an issue by no environment, exactly as an issue without the property, so it is never written.
 */
const EMPTY_FLAG_STATE = JSON.stringify(flagStateProperty([]));
/** A flag_panels document that says "not in the Releases panel": it was, and is to be deleted from it. */
const NOT_IN_PANEL = '';

export interface PanelOutcome {
  /** Flags sent to the Releases panel. */
  submitted: number;
  /** Issues whose appconfigFlagState was set. */
  propertiesSet: number;
  /** What Jira refused for good (shown on the association's health; not retried). */
  refusals: string[];
  /** Issue keys from flag descriptions that Jira does not know. */
  unknownIssueKeys: string[];
}

/** A refusal no retry changes (JiraError.refusedForGood). */
function refusal(err: unknown, what: string): string | null {
  if (err instanceof JiraError && err.refusedForGood) return `Jira refused ${what} (${err.status}): ${err.jiraMessage}`;
  return null;
}

export class ReleasesPanel {
  private readonly store: EnvironmentStore;

  constructor(
    private readonly db: Db,
    private readonly models: Models,
    private readonly association: Pick<AssociationRow, 'id' | 'region' | 'applicationId' | 'configurationProfileId'>,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.store = new EnvironmentStore(db, models, association.id);
  }

  /** Environments as this round's events left them (read once each), and those to save. */
  private readonly roundEnvironments = new Map<string, EnvironmentState | undefined>();
  private readonly changedEnvironments = new Set<string>();
  /** Saved versions' flag values to record. */
  private readonly newVersionValues = new Map<string, Readonly<Record<string, boolean>>>();

  /**
   * Takes in what the event says about versions and environments (idempotent: an event seen again
   * changes nothing). Kept in memory until `saveObserved`: the worker saves a round's observations in
   * one transaction, before it marks their events done.
   */
  async observe(event: StoredEventPayload, flagValues?: Readonly<Record<string, boolean>>, receivedAt: Date = this.now()): Promise<void> {
    if (isDeploymentEvent(event)) {
      // When the deployment happened: when its event arrived (events carry no time), not when it is worked off.
      const fact = deploymentFact(event.Type, event, receivedAt);
      if ('skip' in fact) return;
      const before = this.roundEnvironments.has(fact.environmentId) ? this.roundEnvironments.get(fact.environmentId) : await this.store.environment(fact.environmentId);
      const after = applyDeployment(before, fact);
      this.roundEnvironments.set(fact.environmentId, after);
      if (after !== before) this.changedEnvironments.add(fact.environmentId);
      return;
    }
    // The values only, as the worker's parse of the document gave them (none for an invalid document).
    if (event.ContentVersion == null || !flagValues) return;
    const version = String(event.ContentVersion);
    if (!this.newVersionValues.has(version)) this.newVersionValues.set(version, flagValues);
  }

  /** Saves what `observe` took in since the last save, in one transaction. */
  async saveObserved(): Promise<void> {
    const environments = [...this.changedEnvironments].map((id) => this.roundEnvironments.get(id)!);
    const versions = new Map(this.newVersionValues);
    await this.store.saveObservations(environments, versions);
    for (const e of environments) this.changedEnvironments.delete(e.environmentId);
    for (const v of versions.keys()) this.newVersionValues.delete(v);
  }

  /** Records the flags whose panel or property changed, then sends everything due. */
  async publish(jira: JiraClient, beforeWrite: () => Promise<void> = async () => {}): Promise<PanelOutcome> {
    const outcome: PanelOutcome = { submitted: 0, propertiesSet: 0, refusals: [], unknownIssueKeys: [] };
    await this.saveObserved();
    const environments = await this.store.environments();
    if (environments.length === 0) return outcome; // nothing deployed yet: no flag is in the panel
    const flags = (await new FlagStates(this.db, this.association.id).rows()).values();
    const versions = new Set<string>();
    for (const e of environments) for (const d of [e.deployed, e.deploying, e.previous]) if (d?.version) versions.add(d.version);
    const values = await this.store.versionValues([...versions]);
    const valuesOf = (version: string) => values.get(version);
    let panels = await this.store.panels();
    const consoleUrl = appConfigConsoleUrl(this.association);

    const changes: Parameters<EnvironmentStore['savePanelChanges']>[0] = [];
    const issueIds = new Map<string, string>();
    for (const row of flags) {
      if (!row.issueKey || !row.issueId || !row.state) continue;
      issueIds.set(row.flagKey, row.issueId);
      const panel = panels.get(row.flagKey);
      // A flag enters the panel with the first deployment of a version holding it, and then stays.
      if (!panel && !flagReachedAnEnvironment(row.flagKey, environments, valuesOf)) continue;
      const flag = JSON.parse(row.state) as Flag;
      const views = flagEnvironments(row.flagKey, environments, valuesOf);
      const document = featureFlag({
        associationId: this.association.id,
        flagKey: row.flagKey,
        name: flag.name,
        description: flag.description,
        issueKey: row.issueKey,
        // The newest saved version's value: a flag it deleted is in none, so off (its environments keep theirs).
        enabled: !row.deleted && flag.enabled,
        environments: views,
        consoleUrl,
      });
      // No environment shows a known value any more (a version the app never saw was deployed, or the
      // first deployment it saw was rolled back): the flag leaves the panel until one does.
      const documentText = document ? JSON.stringify(document) : panel?.panelDocument ? NOT_IN_PANEL : null;
      const stateText = JSON.stringify(flagStateProperty(views));
      const change: (typeof changes)[number] = { flagKey: row.flagKey };
      if (documentText !== null && documentText !== panel?.panelDocument) {
        change.panelDocument = documentText;
        change.sequenceId = Math.max(this.now().getTime(), (panel?.sequenceId ?? 0) + 1);
      }
      if (stateText !== (panel?.flagState ?? EMPTY_FLAG_STATE)) change.flagState = stateText;
      if (change.panelDocument !== undefined || change.flagState !== undefined) changes.push(change);
    }
    if (changes.length > 0) {
      await this.store.savePanelChanges(changes);
      panels = await this.store.panels();
    }
    await this.sendFlags([...panels.values()], jira, beforeWrite, outcome);
    await this.sendProperties([...panels.values()], issueIds, jira, beforeWrite, outcome);
    return outcome;
  }

  private async sendFlags(panels: FlagPanelRow[], jira: JiraClient, beforeWrite: () => Promise<void>, outcome: PanelOutcome): Promise<void> {
    const due = panels.filter((p) => p.panelDocument !== null && (p.submittedSequenceId ?? -1) < p.sequenceId);
    const removals = due.filter((p) => p.panelDocument === NOT_IN_PANEL);
    const shown = (p: FlagPanelRow) => p.panelDocument !== null && p.panelDocument !== NOT_IN_PANEL;
    // After a removal every flag still shown is sent again (the call deleted the association's flags).
    const submissions = removals.length > 0 ? panels.filter(shown) : due.filter(shown);
    let landed = false;
    try {
      if (removals.length > 0) await this.removeFlags(removals, jira, beforeWrite, outcome);
      for (const batch of chunks(submissions, FEATURE_FLAGS_PER_CALL)) {
        const flags = batch.map((p) => ({ ...(JSON.parse(p.panelDocument!) as Omit<JiraFeatureFlag, 'updateSequenceId'>), updateSequenceId: p.sequenceId }));
        await beforeWrite();
        try {
          const result = await jira.featureFlags.submit({ [ASSOCIATION_PROPERTY]: this.association.id }, flags);
          landed = true;
          for (const f of result.failed) outcome.refusals.push(`Jira refused the Releases-panel flag ${f.id.slice(this.association.id.length + 1)}: ${f.messages.join('; ')}`);
          outcome.unknownIssueKeys.push(...result.unknownIssueKeys.filter((k) => !outcome.unknownIssueKeys.includes(k)));
          outcome.submitted += batch.length;
        } catch (err) {
          const reason = refusal(err, 'the Releases-panel flags');
          if (!reason) throw err; // rate limited or unavailable: stays due, the event is retried
          outcome.refusals.push(reason);
        }
        // Jira answered for this batch (accepted, ignored as stale, or refused for good): not due again.
        await this.store.markSubmitted(batch.map((p) => ({ flagKey: p.flagKey, sequenceId: p.sequenceId })));
      }
    } catch (err) {
      if (landed) await this.deleteIfRemoved(jira);
      throw err;
    }
    if (landed && (await this.deleteIfRemoved(jira))) throw new AssociationGone(this.association.id);
  }

  /**
   * Takes flags out of the panel, in one call for the association. A flag's state is unknown only where
   * every environment's version is, so its flags leave together; any still shown are sent again after.
   */
  private async removeFlags(removals: FlagPanelRow[], jira: JiraClient, beforeWrite: () => Promise<void>, outcome: PanelOutcome): Promise<void> {
    await beforeWrite();
    try {
      await jira.featureFlags.deleteByProperties({ [ASSOCIATION_PROPERTY]: this.association.id });
    } catch (err) {
      const reason = refusal(err, 'the Releases-panel flags');
      if (!reason) throw err;
      outcome.refusals.push(reason);
    }
    await this.store.markSubmitted(removals.map((p) => ({ flagKey: p.flagKey, sequenceId: p.sequenceId })));
  }

  /**
   * The association removed while flags were being submitted: its removal deleted its flags from Jira,
   * maybe before some of these landed. They have landed now: the last to submit deletes them again.
   * True when it was removed.
   */
  private async deleteIfRemoved(jira: JiraClient): Promise<boolean> {
    if (await findById(this.models, this.association.id)) return false;
    await jira.featureFlags.deleteByProperties({ [ASSOCIATION_PROPERTY]: this.association.id });
    return true;
  }

  /**
   * The association removed while this write was under way: its removal took the state off these issues,
   * maybe before the write landed. Once Jira has carried the write out (its task), the state is taken off
   * again. True when it was removed.
   */
  private async takeStateOffIfRemoved(jira: JiraClient, issueIds: string[], written?: PropertyTask): Promise<boolean> {
    if (await findById(this.models, this.association.id)) return false;
    if (written) await jira.featureFlags.taskOutcome(written);
    const removal = await jira.featureFlags.deleteIssuePropertyBulk(FLAG_STATE_PROPERTY, issueIds);
    if (removal) await jira.featureFlags.taskOutcome(removal);
    return true;
  }

  /**
   * The appconfigFlagState values still to write: a value changed, or the flag's issue did (deleted in
   * Jira and recreated: the new issue has no property yet).
   */
  private async sendProperties(
    panels: FlagPanelRow[],
    issueIds: Map<string, string>,
    jira: JiraClient,
    beforeWrite: () => Promise<void>,
    outcome: PanelOutcome,
  ): Promise<void> {
    const due = panels.filter((p) => p.flagState !== null && issueIds.has(p.flagKey) && p.flagStateWritten !== flagStateWrittenMark(issueIds.get(p.flagKey)!, p.flagState));
    for (const batch of chunks(due, ISSUES_PER_PROPERTY_CALL)) {
      await beforeWrite();
      const batchIssueIds = batch.map((p) => issueIds.get(p.flagKey)!);
      let task: PropertyTask | undefined;
      try {
        task = await jira.featureFlags.setIssuePropertyBulk(
          FLAG_STATE_PROPERTY,
          batch.map((p, i) => ({ issueId: batchIssueIds[i]!, value: JSON.parse(p.flagState!) as unknown })),
        );
        outcome.propertiesSet += batch.length;
      } catch (err) {
        const reason = refusal(err, `the ${FLAG_STATE_PROPERTY} property`);
        if (!reason) {
          // No answer: the write may have landed after a removal took the state off; it is taken off again.
          if (err instanceof JiraError && err.ambiguous) await this.takeStateOffIfRemoved(jira, batchIssueIds).catch(() => false);
          throw err;
        }
        outcome.refusals.push(reason);
      }
      if (await this.takeStateOffIfRemoved(jira, batchIssueIds, task)) throw new AssociationGone(this.association.id);
      await this.store.markFlagStateWritten(batch.map((p) => ({ flagKey: p.flagKey, written: flagStateWrittenMark(issueIds.get(p.flagKey)!, p.flagState!) })));
    }
  }
}
