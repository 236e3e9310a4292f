/**
 * The AppConfig extension event shape (REFERENCE.md, "Event payload fields"). Only what the product
 * reads is required; everything else AppConfig sends passes through untouched.
 */
import { z } from 'zod';

/** Deployment events: a comment on the issue of each flag the deployed version changed. */
export const DEPLOYMENT_EVENT_TYPES = ['OnDeploymentStart', 'OnDeploymentComplete', 'OnDeploymentRolledBack'] as const;
/** Event types that lead to Jira writes; the other action points are acknowledged and not kept. */
export const STORED_EVENT_TYPES = ['PreCreateHostedConfigurationVersion', ...DEPLOYMENT_EVENT_TYPES] as const;
export const IGNORED_EVENT_TYPES = ['PreStartDeployment', 'OnDeploymentStep', 'OnDeploymentBaking', 'AtDeploymentTick'] as const;

/** Synthetic type for the hosted version read at association time; fed through the same pipeline. */
export const BACKFILL_EVENT_TYPE = 'Backfill';

const idName = z.object({ Id: z.string().min(1).max(128), Name: z.string().max(256).nullish() }).passthrough();
const version = z.union([z.string().max(64), z.number().int().nonnegative()]);

export const extensionEventSchema = z
  .object({
    InvocationId: z.string().min(1).max(256),
    Type: z.enum([...STORED_EVENT_TYPES, ...IGNORED_EVENT_TYPES]),
    Parameters: z.record(z.string(), z.unknown()).nullish(),
    Application: idName,
    ConfigurationProfile: idName.nullish(),
    Environment: idName.nullish(),
    Description: z.string().max(4096).nullish(),
    DeploymentNumber: version.nullish(),
    ConfigurationVersion: version.nullish(),
    Content: z.string().nullish(),
    ContentType: z.string().max(256).nullish(),
    ContentVersion: version.nullish(),
  })
  .passthrough()
  .superRefine((event, ctx) => {
    if (event.Type === 'PreCreateHostedConfigurationVersion' && !event.Content) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['Content'], message: 'is required for this event type' });
    }
    if (event.Type.startsWith('OnDeployment') && event.ConfigurationVersion == null) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['ConfigurationVersion'], message: 'is required for deployment events' });
    }
  });

export type ExtensionEvent = z.infer<typeof extensionEventSchema>;

/** The first problem, in words an operator can act on. */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The body is not an AppConfig extension event.';
  const where = issue.path.length ? issue.path.join('.') : 'body';
  return `Not an AppConfig extension event: ${where} ${issue.message}`;
}
