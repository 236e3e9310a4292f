/**
 * The Configure API's request bodies. Each failure names the body field, so the page can show the
 * message next to it.
 */
import { z } from 'zod';
import { whenMissing } from '../schema.js';
import { badRequest } from '../http/errors.js';
import { ACCESS_KEY_ID, KEY_CHARACTERS, REGION_CODE, SECRET_ACCESS_KEY_LENGTH, SESSION_TOKEN_MAX_LENGTH } from '../aws/index.js';

const region = z
  .string(whenMissing('Choose the AWS Region of your AppConfig application.'))
  .trim()
  .regex(REGION_CODE, 'This is not an AWS Region code (e.g. eu-west-1).');

const SECRET = SECRET_ACCESS_KEY_LENGTH;

/** The admin's keys, shaped as AWS issues them: a bad field is named here, never sent to AWS. */
export const awsKeysSchema = z.object({
  region,
  accessKeyId: z
    .string(whenMissing('Enter the IAM access key ID.'))
    .trim()
    .regex(ACCESS_KEY_ID, 'An access key ID starts with AKIA (or ASIA for temporary keys) followed by letters and digits.'),
  secretAccessKey: z
    .string(whenMissing('Enter the secret access key.'))
    .trim()
    .min(SECRET.min, 'The secret access key looks too short; paste it whole.')
    .max(SECRET.max, 'The secret access key looks too long.')
    .regex(KEY_CHARACTERS, 'The secret access key contains spaces, line breaks or characters AWS never puts in one: paste it again.'),
  sessionToken: z
    .string()
    .optional()
    .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined))
    .pipe(
      z
        .string()
        .max(SESSION_TOKEN_MAX_LENGTH, `The session token looks too long (AWS's are well under ${SESSION_TOKEN_MAX_LENGTH} characters).`)
        .regex(KEY_CHARACTERS, 'The session token contains spaces, line breaks or characters AWS never puts in one: paste it again.')
        .optional(),
    ),
});

/** Half of a UTF-16 surrogate pair on its own: no character at all, and the SDK cannot put it in a URL. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NOT_TEXT = 'This contains a broken character (half of a UTF-16 surrogate pair); type it again.';

const idOrName = (what: string) =>
  z
    .string(whenMissing(`Enter the ${what} ID or name.`))
    .trim()
    .min(1, `Enter the ${what} ID or name.`)
    .max(128, `An AppConfig ${what} ID or name has at most 128 characters.`)
    .refine((v) => !LONE_SURROGATE.test(v), NOT_TEXT);

export const associationBodySchema = awsKeysSchema.extend({
  projectKey: z
    .string(whenMissing('Choose the Jira project the flag issues go to.'))
    .trim()
    .regex(/^[A-Z][A-Z0-9_]{0,254}$/, 'A Jira project key is upper-case letters and digits, e.g. FLAG.'),
  applicationId: idOrName('application'),
  configurationProfileId: idOrName('configuration profile'),
  issueType: z.string().trim().max(255).optional().transform((v) => v || undefined),
  extensionIdentifier: z.string().trim().max(2048).refine((v) => !LONE_SURROGATE.test(v), NOT_TEXT).optional().transform((v) => v || undefined),
});

export const profilesBodySchema = awsKeysSchema.extend({ applicationId: idOrName('application') });

export type AssociationBody = z.infer<typeof associationBodySchema>;

/** Parse or throw a 400 naming the first offending field. Secrets are never echoed (zod's messages hold no input). */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
  throw badRequest('invalid_field', issue.message, field);
}
