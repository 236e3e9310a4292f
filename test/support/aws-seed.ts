/**
 * The AWS account every test app talks to: the keys it may use, the extension the app's CloudFormation
 * template defines, and application "shop" with its feature-flag profiles. The in-process harness and the
 * child-process doubles seed it the same way, so their runs compare.
 */
import { startAwsDouble, type AwsDouble } from '../doubles/aws/index.js';
import { BACKFILL_ACTIONS, REQUIRED_ACTIONS } from '../../src/aws/index.js';
import { DEFAULT_EXTENSION_NAME } from '../../src/forwarder/template.js';

/** Keys the AWS double knows; FULL may do everything the product needs, BASIC cannot read hosted versions. */
export const KEYS = {
  full: { accessKeyId: 'AKIAFULLACCESS000001', secretAccessKey: 'full-secret-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
  basic: { accessKeyId: 'AKIABASICACCESS00002', secretAccessKey: 'basic-secret-key-bbbbbbbbbbbbbbbbbbbbbbbbbbbbb' },
  readOnly: { accessKeyId: 'AKIAREADONLY00000003', secretAccessKey: 'readonly-secret-key-ccccccccccccccccccccccccc' },
} as const;

export const ACCOUNT_ID = '123456789012';
export const REGION = 'eu-west-1';

export interface SeededAws {
  aws: AwsDouble;
  app: { id: string; name: string };
  /** Feature-flag profiles of `app`: "release-flags", then "release-flags-2", ... */
  profiles: { id: string; name: string; arn: string }[];
}

/**
 * Starts the AWS double, points this process's SDK endpoints (and those of any child started from its
 * environment) at it, and seeds the FULL key, the extension and "shop" with `profileCount` profiles.
 */
export async function startSeededAws(profileCount = 1): Promise<SeededAws> {
  const aws = await startAwsDouble({ accountId: ACCOUNT_ID, region: REGION });
  process.env.AWS_ENDPOINT_URL_STS = aws.url;
  process.env.AWS_ENDPOINT_URL_APPCONFIG = aws.url;
  aws.addKey({ ...KEYS.full, accountId: ACCOUNT_ID, userArn: `arn:aws:iam::${ACCOUNT_ID}:user/jira-full`, allow: [...REQUIRED_ACTIONS, ...BACKFILL_ACTIONS] });
  aws.addExtension({ name: DEFAULT_EXTENSION_NAME, parameters: { EventsUrl: { Required: true }, SigningSecret: { Required: true } } });
  const app = aws.addApplication({ name: 'shop' });
  const profiles = Array.from({ length: profileCount }, (_, i) =>
    aws.addProfile(app.id, { name: i === 0 ? 'release-flags' : `release-flags-${i + 1}`, type: 'AWS.AppConfig.FeatureFlags' }),
  );
  return { aws, app, profiles };
}
