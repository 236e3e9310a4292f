/**
 * What a removed association leaves in Jira beside its issues, taken out: its flags in the Releases
 * panel (one delete by property) and `appconfigFlagState` on its flags' issues (bulk deletes of the
 * issues named, 1,000 a call, each task awaited so that one Jira failed is known). The issues and their
 * `appconfigFlag` stay: they are the flags' history.
 */
import { chunks } from '../chunks.js';
import { FLAG_STATE_PROPERTY } from '../environments/flag-environments.js';
import { ASSOCIATION_PROPERTY } from '../flags/render/feature-flag.js';
import { ISSUES_PER_PROPERTY_DELETE, JiraError, type JiraClient } from '../jira/index.js';
import type { Logger } from '../log.js';
import type { JiraFootprint } from '../db/environments.js';

/** A withdrawal that stopped part-way; `started`: something was already taken out of Jira. */
export class WithdrawalStopped extends Error {
  constructor(
    readonly started: boolean,
    override readonly cause: unknown,
  ) {
    super('taking the association out of Jira stopped part-way', { cause });
  }
}

/** Jira ran a bulk delete's task and it failed (all or nothing: no issue changed); a retry may pass. */
export class PropertyTaskFailed extends Error {
  constructor() {
    super(`Jira's task removing ${FLAG_STATE_PROPERTY} failed`);
  }
}

export async function withdrawFromJira(jira: JiraClient, associationId: string, footprint: JiraFootprint, log: Logger): Promise<void> {
  let started = false;
  try {
    if (footprint.inPanel) {
      await jira.featureFlags.deleteByProperties({ [ASSOCIATION_PROPERTY]: associationId });
      started = true;
    }
    for (const ids of chunks(footprint.stateIssueIds, ISSUES_PER_PROPERTY_DELETE)) {
      let task;
      try {
        task = await jira.featureFlags.deleteIssuePropertyBulk(FLAG_STATE_PROPERTY, ids);
      } catch (err) {
        // Refused for good (the app may no longer edit those issues): retrying cannot help, and the state
        // must not keep the association from going. The operator hears of it.
        if (err instanceof JiraError && err.refusedForGood) {
          log.warn({ associationId, status: err.status, issues: ids.length }, `Jira refused to remove ${FLAG_STATE_PROPERTY} from the association's issues; it stays on them`);
          continue;
        }
        throw err;
      }
      if (task && (await jira.featureFlags.taskOutcome(task)) === 'failed') throw new PropertyTaskFailed();
      started = true;
    }
  } catch (err) {
    throw new WithdrawalStopped(started, err);
  }
}
