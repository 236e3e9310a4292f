/**
 * Which saved version each AppConfig environment runs, from the deployment events alone (no I/O).
 *
 * AppConfig numbers deployments per environment, increasingly, and runs one at a time there. An event
 * is applied at most once and never moves an environment backwards: a late or repeated event changes
 * nothing. A rollback of the deployment under way leaves the environment on the version completed
 * before; a rollback (revert) of the deployment that completed brings back the version before it.
 */

export type DeploymentStep = 'start' | 'complete' | 'rolled_back';

/** One deployment event, as far as environments care. */
export interface DeploymentFact {
  step: DeploymentStep;
  environmentId: string;
  /** The environment's name as the event gives it (the id when it gives none). */
  environmentName: string;
  deploymentNumber: number;
  /** The saved configuration version deployed; null when the event does not say. */
  version: string | null;
  /** When the app learnt of it (ISO 8601). */
  at: string;
}

export interface DeployedVersion {
  /** null: a deployment completed whose version the event did not name (shown as unknown). */
  version: string | null;
  deploymentNumber: number;
  at: string;
}

export interface EnvironmentState {
  environmentId: string;
  environmentName: string;
  /** The version that the last completed deployment left there; null before any completed. */
  deployed: DeployedVersion | null;
  /** What `deployed` replaced, so that a revert of the completed deployment can bring it back. */
  previous: DeployedVersion | null;
  /** The deployment under way, if any. */
  deploying: DeployedVersion | null;
  /** The highest deployment number that has ended (completed or rolled back): older events change nothing. */
  settledNumber: number;
  /** A completed deployment that was then reverted: its rollback is not applied twice. */
  revertedNumber: number | null;
  /** When this state last changed (ISO 8601). */
  updatedAt: string;
}

export const STEP_OF_EVENT_TYPE: Record<string, DeploymentStep> = {
  OnDeploymentStart: 'start',
  OnDeploymentComplete: 'complete',
  OnDeploymentRolledBack: 'rolled_back',
};

/**
 * The fact an AppConfig deployment event states, or a reason it states none that environments can use
 * (no environment, no usable deployment number).
 */
export function deploymentFact(
  type: string,
  payload: { Environment?: { Id?: unknown; Name?: unknown } | null; DeploymentNumber?: unknown; ConfigurationVersion?: unknown },
  at: Date,
): DeploymentFact | { skip: string } {
  const step = STEP_OF_EVENT_TYPE[type];
  if (!step) return { skip: `${type} is not a deployment event` };
  const id = payload.Environment?.Id;
  if (typeof id !== 'string' || id === '') return { skip: 'the deployment event names no environment' };
  const raw = payload.DeploymentNumber;
  const number = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(number) || number < 0) return { skip: 'the deployment event has no deployment number' };
  const name = payload.Environment?.Name;
  const version = payload.ConfigurationVersion;
  return {
    step,
    environmentId: id,
    environmentName: typeof name === 'string' && name.trim() !== '' ? name.trim() : id,
    deploymentNumber: number,
    version: typeof version === 'string' || typeof version === 'number' ? String(version) : null,
    at: at.toISOString(),
  };
}

/** The environment after `fact`; the very same object when the fact changes nothing. */
export function applyDeployment(state: EnvironmentState | undefined, fact: DeploymentFact): EnvironmentState {
  const current: EnvironmentState = state ?? {
    environmentId: fact.environmentId,
    environmentName: fact.environmentName,
    deployed: null,
    previous: null,
    deploying: null,
    settledNumber: -1,
    revertedNumber: null,
    updatedAt: fact.at,
  };
  const n = fact.deploymentNumber;
  const here: DeployedVersion = { version: fact.version, deploymentNumber: n, at: fact.at };
  const newestSeen = Math.max(current.settledNumber, current.deploying?.deploymentNumber ?? -1, current.deployed?.deploymentNumber ?? -1);
  let next: Partial<EnvironmentState> | null = null;

  switch (fact.step) {
    case 'start':
      if (n > current.settledNumber && (!current.deploying || n > current.deploying.deploymentNumber)) next = { deploying: here };
      break;
    case 'complete':
      if (n > current.settledNumber) {
        next = {
          previous: current.deployed,
          deployed: here,
          settledNumber: n,
          deploying: current.deploying && current.deploying.deploymentNumber > n ? current.deploying : null,
        };
      }
      break;
    case 'rolled_back':
      if (current.deploying?.deploymentNumber === n) {
        // Stopped before it completed: the environment keeps the version completed before.
        next = { deploying: null, settledNumber: Math.max(current.settledNumber, n) };
      } else if (current.deployed?.deploymentNumber === n && current.revertedNumber !== n) {
        // A completed deployment reverted: back to the version it replaced (unknown when none was seen).
        next = { deployed: current.previous, previous: null, revertedNumber: n };
      } else if (n > current.settledNumber) {
        // A deployment whose start the app never saw ended without changing what is deployed.
        next = { settledNumber: n };
      }
      break;
  }
  // The name as of the newest step seen: a late or repeated event (of an older deployment, or an earlier
  // step of the newest one) does not rename the environment back; JQL and the Releases panel name it.
  const earlierStep = fact.step === 'start' && current.settledNumber === n; // a start after its own end
  const newest = n > newestSeen || (n === newestSeen && !earlierStep);
  const renamed = current.environmentName !== fact.environmentName && newest ? { environmentName: fact.environmentName } : {};
  if (!next && !state) return { ...current };
  if (!next) return Object.keys(renamed).length ? { ...current, ...renamed, updatedAt: fact.at } : current;
  return { ...current, ...renamed, ...next, updatedAt: fact.at };
}
