/**
 * Deployment events (start, complete, rolled back): one comment on the issue of each flag whose change
 * the deployed version shipped (the flags that saved version created or changed).
 */
import type { DeploymentEvent } from '../events/appconfig-event.js';
import { deploymentComment } from '../flags/index.js';
import type { IssueWriter, PermanentFailure } from './issue-writer.js';
import type { SavedVersions } from './saved-versions.js';

export async function applyDeployment(
  versions: SavedVersions,
  eventId: number,
  event: DeploymentEvent,
  writer: IssueWriter,
  /** Flags an earlier run of this event commented on before it was set aside: not again. */
  writtenBefore: readonly string[] = [],
): Promise<{ failures: PermanentFailure[]; flags: string[] }> {
  const version = String(event.ConfigurationVersion);
  const saved = await versions.get(version);
  if (!saved) return { failures: [], flags: [] }; // a version saved before the association existed: nothing to match
  const done = new Set(writtenBefore);
  const flags = saved.changedFlags.filter((flagKey) => !done.has(flagKey));
  const comment = deploymentComment({
    type: event.Type,
    environmentId: event.Environment?.Id,
    environmentName: event.Environment?.Name ?? undefined,
    deploymentNumber: event.DeploymentNumber ?? undefined,
    configurationVersion: version,
    description: event.Description ?? saved.description,
  });
  // One comment per flag, a few at a time.
  const failures = await writer.edits(flags.map((flagKey) => ({ flagKey, comment })), eventId);
  return { failures, flags };
}
