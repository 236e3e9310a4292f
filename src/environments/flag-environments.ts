/**
 * One flag's state in every environment a deployment reached (no I/O): on, off or unknown, from the
 * flag's value in the saved version deployed there. A version the app never saw is unknown, never
 * guessed; a version that does not hold the flag serves it to nobody, so there it is off.
 */
import type { EnvironmentState } from './deployments.js';

/** flagKey → enabled, per saved version; undefined for a version the app never saw. */
export type VersionValues = (version: string) => Readonly<Record<string, boolean>> | undefined;

export type EnvironmentType = 'production' | 'staging' | 'testing' | 'development';

export interface FlagInEnvironment {
  environmentId: string;
  environmentName: string;
  /** Only where the name says it. */
  environmentType?: EnvironmentType;
  /** null: unknown (no deployment completed yet, or a version the app never saw). */
  enabled: boolean | null;
  /** The version completed there; null when none completed (or the event did not name it). */
  deployedVersion: string | null;
  deployedAt: string | null;
  /** The deployment under way, with the flag's value in the version it deploys (null when unknown). */
  deploying: { version: string | null; deploymentNumber: number; since: string; enabled: boolean | null } | null;
  /** When anything shown here last changed. */
  updatedAt: string;
}

/** Patterns per type, most specific first (a name such as "pre-production" is staging, not production). */
const TYPE_PATTERNS: [EnvironmentType, RegExp][] = [
  ['staging', /\b(stag(e|ing)?|pre-?prod(uction)?|uat)\b/i],
  ['testing', /\b(test(s|ing)?|tst|qa|integration)\b/i],
  ['development', /\b(dev(elopment)?|local|sandbox)\b/i],
  // "non-prod", "not production": a name that says what it is not states no type.
  ['production', /(?<!\bno[nt][- ]?)\b(prod(uction)?|prd|live)\b/i],
];

/** The Releases-panel environment type a name states; undefined when it states none. */
export function environmentType(name: string): EnvironmentType | undefined {
  const words = name.replace(/[_.]/g, ' ');
  for (const [type, pattern] of TYPE_PATTERNS) if (pattern.test(words)) return type;
  return undefined;
}

function valueIn(version: string | null, flagKey: string, values: VersionValues): boolean | null {
  if (version === null) return null;
  const flags = values(version);
  if (!flags) return null;
  // Own keys only: a flag named "toString" or "constructor" must not read Object.prototype's members.
  return Object.hasOwn(flags, flagKey) ? flags[flagKey]! : false;
}

/** The flag in each environment, ordered by name (then id) so that every rendering is stable. */
export function flagEnvironments(flagKey: string, environments: readonly EnvironmentState[], values: VersionValues): FlagInEnvironment[] {
  return [...environments]
    .sort((a, b) => a.environmentName.localeCompare(b.environmentName) || a.environmentId.localeCompare(b.environmentId))
    .map((env) => {
      const type = environmentType(env.environmentName);
      return {
        environmentId: env.environmentId,
        environmentName: env.environmentName,
        ...(type ? { environmentType: type } : {}),
        enabled: valueIn(env.deployed?.version ?? null, flagKey, values),
        deployedVersion: env.deployed?.version ?? null,
        deployedAt: env.deployed?.at ?? null,
        deploying: env.deploying
          ? {
              version: env.deploying.version,
              deploymentNumber: env.deploying.deploymentNumber,
              since: env.deploying.at,
              enabled: valueIn(env.deploying.version, flagKey, values),
            }
          : null,
        updatedAt: env.updatedAt,
      };
    });
}

/** Whether the flag ever existed in a version deployed (or being deployed) to any of these environments. */
export function flagReachedAnEnvironment(flagKey: string, environments: readonly EnvironmentState[], values: VersionValues): boolean {
  const holds = (version: string | null | undefined) => {
    const flags = version == null ? undefined : values(version);
    return flags !== undefined && Object.hasOwn(flags, flagKey);
  };
  return environments.some((env) => holds(env.deployed?.version) || holds(env.deploying?.version) || holds(env.previous?.version));
}

/** The issue property that holds a flag's FlagStateProperty, indexed for JQL (appconfigEnabledIn ...). */
export const FLAG_STATE_PROPERTY = 'appconfigFlagState';

/** The `appconfigFlagState` issue property: what JQL searches by environment. */
export interface FlagStateProperty {
  enabledIn: string[];
  disabledIn: string[];
  deployedVersion: Record<string, string>;
}

export function flagStateProperty(views: readonly FlagInEnvironment[]): FlagStateProperty {
  const enabledIn = new Set<string>();
  const disabledIn = new Set<string>();
  const deployed: [string, string][] = [];
  for (const v of views) {
    if (v.enabled === true) enabledIn.add(v.environmentName);
    if (v.enabled === false) disabledIn.add(v.environmentName);
    if (v.deployedVersion !== null) deployed.push([v.environmentName, v.deployedVersion]);
  }
  // fromEntries defines each name as an own key: an environment named "__proto__" is kept, not dropped.
  return { enabledIn: [...enabledIn].sort(), disabledIn: [...disabledIn].sort(), deployedVersion: Object.fromEntries(deployed) };
}
