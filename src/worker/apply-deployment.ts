/**
 * Deployment events (start, complete, rolled back): one comment on the issue of each flag whose change
 * the deployed version shipped (the flags that saved version created or changed).
 */
import { deploymentComment, type DeploymentEventType } from '../flags/index.js';
import type { IssueWriter, PermanentFailure } from './issue-writer.js';
import type { SavedVersions } from './saved-versions.js';

export interface DeploymentEvent {
  Type: DeploymentEventType;
  Environment?: { Id?: string; Name?: string | null } | null;
  DeploymentNumber?: string | number | null;
  ConfigurationVersion?: string | number | null;
  Description?: string | null;
}

export async function applyDeployment(
  versions: SavedVersions,
  eventId: number,
  event: DeploymentEvent,
  writer: IssueWriter,
): Promise<{ failures: PermanentFailure[]; flags: string[] }> {
  const version = event.ConfigurationVersion != null ? String(event.ConfigurationVersion) : null;
  const saved = version ? await versions.get(version) : null;
  if (!saved) return { failures: [], flags: [] }; // a version saved before the association existed: nothing to match
  const flags = JSON.parse(saved.changedFlags) as string[];
  const comment = deploymentComment({
    type: event.Type,
    environmentId: event.Environment?.Id,
    environmentName: event.Environment?.Name ?? undefined,
    deploymentNumber: event.DeploymentNumber ?? undefined,
    configurationVersion: version ?? undefined,
    description: event.Description ?? saved.description,
  });
  const failures: PermanentFailure[] = [];
  for (const flagKey of flags) {
    const failure = await writer.edit({ flagKey, comment }, eventId);
    if (failure) failures.push(failure);
  }
  return { failures, flags };
}
