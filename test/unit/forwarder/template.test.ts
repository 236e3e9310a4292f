import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { buildForwarderBundle } from '../../../src/forwarder/bundle.js';
import { ASYNC_DELIVERY_BUDGET_MS, REMOVAL_BUDGET_MS } from '../../../src/forwarder/limits.js';
import { ACTION_POINTS } from '../../../src/events/event-types.js';
import {
  DEFAULT_EXTENSION_NAME,
  TEMPLATE_BODY_LIMIT_BYTES,
  renderTemplate,
  yamlBlockScalar,
} from '../../../src/forwarder/template.js';
import type { ForwarderHandler } from '../../../src/forwarder/handler.js';
import { SIGNATURE_HEADER, verifySignature } from '../../../src/intake/signature.js';
import { projectRoot } from '../../../src/paths.js';
import { startAwsDouble } from '../../doubles/aws/index.js';
import { parseCloudFormation } from './cfn-yaml.js';
import { startIntake } from './server.js';

type Json = Record<string, unknown>;
const execFileAsync = promisify(execFile);
const get = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node as Json | undefined)?.[key], value);
const getAtt = (resource: string, attribute: string) => ({ 'Fn::GetAtt': [resource, attribute] });

let bundle: string;
let text: string;
let template: Json;
beforeAll(async () => {
  bundle = await buildForwarderBundle();
  text = renderTemplate(bundle);
  template = parseCloudFormation(text);
});

const resource = (name: string) => get(template, 'Resources', name) as Json;

/** Every { key: value } object anywhere in the template. */
function* walk(node: unknown): Generator<Json> {
  if (Array.isArray(node)) for (const item of node) yield* walk(item);
  else if (node && typeof node === 'object') {
    yield node as Json;
    for (const value of Object.values(node)) yield* walk(value);
  }
}

describe('CloudFormation template: shape', () => {
  it('parses as CloudFormation YAML with intrinsic function tags', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(typeof template.Description).toBe('string');
    expect(() => parseCloudFormation('x: !NotAFunction y')).toThrow();
  });

  it('declares the extension, the forwarder, its log group and both roles', () => {
    const types = Object.fromEntries(Object.entries(template.Resources as Json).map(([name, r]) => [name, get(r, 'Type')]));
    expect(types).toEqual({
      Extension: 'AWS::AppConfig::Extension',
      ForwarderFunction: 'AWS::Lambda::Function',
      ForwarderLogGroup: 'AWS::Logs::LogGroup',
      ForwarderExecutionRole: 'AWS::IAM::Role',
      ExtensionInvokeRole: 'AWS::IAM::Role',
    });
  });

  it('names the extension jira-flag-tracker by default, the name the app associates unless configured otherwise', () => {
    expect(DEFAULT_EXTENSION_NAME).toBe('jira-flag-tracker');
    expect(loadConfig({}).extensionIdentifier).toBe(DEFAULT_EXTENSION_NAME);
    expect(loadConfig({ APPCONFIG_EXTENSION: 'flags-to-jira' }).extensionIdentifier).toBe('flags-to-jira');
    expect(get(template, 'Parameters', 'ExtensionName', 'Default')).toBe(DEFAULT_EXTENSION_NAME);
    expect(get(resource('Extension'), 'Properties', 'Name')).toEqual({ Ref: 'ExtensionName' });
    expect(new RegExp(get(template, 'Parameters', 'ExtensionName', 'AllowedPattern') as string).test(DEFAULT_EXTENSION_NAME)).toBe(true);
    expect(get(template, 'Parameters', 'ExtensionName', 'ConstraintDescription')).toBe('1 to 64 characters, without / # or :');
  });

  it('acts at the four action points, each invoking the forwarder through the invoke role', () => {
    const actions = get(resource('Extension'), 'Properties', 'Actions') as Json;
    expect(Object.keys(actions).sort()).toEqual([...ACTION_POINTS].sort());
    expect(ACTION_POINTS).toEqual([
      'PRE_CREATE_HOSTED_CONFIGURATION_VERSION',
      'ON_DEPLOYMENT_START',
      'ON_DEPLOYMENT_COMPLETE',
      'ON_DEPLOYMENT_ROLLED_BACK',
    ]);
    for (const point of ACTION_POINTS) {
      const list = actions[point] as Json[];
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ Uri: getAtt('ForwarderFunction', 'Arn'), RoleArn: getAtt('ExtensionInvokeRole', 'Arn') });
      expect((list[0]?.Name as string).length).toBeLessThanOrEqual(64);
    }
  });

  it('requires the EventsUrl and SigningSecret parameters on every association', () => {
    const params = get(resource('Extension'), 'Properties', 'Parameters') as Json;
    expect(Object.keys(params).sort()).toEqual(['EventsUrl', 'SigningSecret']);
    expect(get(params, 'EventsUrl', 'Required')).toBe(true);
    expect(get(params, 'SigningSecret', 'Required')).toBe(true);
  });

  it('runs the forwarder on Node.js 22 with CommonJS index.handler and a timeout above its budget', () => {
    const props = get(resource('ForwarderFunction'), 'Properties') as Json;
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: getAtt('ForwarderExecutionRole', 'Arn'),
      LoggingConfig: { LogGroup: { Ref: 'ForwarderLogGroup' } },
    });
    // Above the deployments' longer budget plus the removal after a 410, within Lambda's 900 s.
    expect((props.Timeout as number) * 1000).toBeGreaterThan(ASYNC_DELIVERY_BUDGET_MS + REMOVAL_BUDGET_MS);
    expect(props.Timeout as number).toBeLessThanOrEqual(900);
  });

  it('keeps logs for LogRetentionDays (default 30), forever when it is 0, through the LogsExpire condition', () => {
    expect(get(template, 'Parameters', 'LogRetentionDays')).toMatchObject({ Type: 'Number', Default: 30 });
    expect(get(template, 'Parameters', 'LogRetentionDays', 'AllowedValues')).toEqual(expect.arrayContaining([0, 1, 30, 365, 3653]));
    expect(get(template, 'Conditions', 'LogsExpire')).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'LogRetentionDays' }, '0'] }] });
    expect(get(resource('ForwarderLogGroup'), 'Properties', 'RetentionInDays')).toEqual({
      'Fn::If': ['LogsExpire', { Ref: 'LogRetentionDays' }, { Ref: 'AWS::NoValue' }],
    });
  });

  it('outputs the extension, function and role identifiers', () => {
    const outputs = template.Outputs as Json;
    expect(get(outputs, 'ExtensionArn', 'Value')).toEqual(getAtt('Extension', 'Arn'));
    expect(get(outputs, 'ExtensionId', 'Value')).toEqual(getAtt('Extension', 'Id'));
    expect(get(outputs, 'ExtensionName', 'Value')).toEqual({ Ref: 'ExtensionName' });
    expect(get(outputs, 'ForwarderFunctionArn', 'Value')).toEqual(getAtt('ForwarderFunction', 'Arn'));
    expect(get(outputs, 'ExtensionInvokeRoleArn', 'Value')).toEqual(getAtt('ExtensionInvokeRole', 'Arn'));
    expect(get(outputs, 'ForwarderLogGroupName', 'Value')).toEqual({ Ref: 'ForwarderLogGroup' });
  });

  it('refers only to parameters, resources, pseudo parameters and conditions it declares', () => {
    const parameters = Object.keys(template.Parameters as Json);
    const resources = Object.keys(template.Resources as Json);
    const conditions = Object.keys(template.Conditions as Json);
    const pseudo = ['AWS::AccountId', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackName', 'AWS::URLSuffix'];
    for (const node of walk(template)) {
      if (typeof node.Ref === 'string') expect([...parameters, ...resources, ...pseudo]).toContain(node.Ref);
      if (Array.isArray(node['Fn::GetAtt'])) expect(resources).toContain(node['Fn::GetAtt'][0]);
      if (Array.isArray(node['Fn::If'])) expect(conditions).toContain(node['Fn::If'][0]);
    }
    for (const name of conditions) expect(text).toContain(`[${name},`); // every condition is used
  });
});

describe('CloudFormation template: least privilege', () => {
  it("lets AppConfig assume the invoke role with AWS's documented trust policy; the aws:SourceAccount condition is opt-in", () => {
    const trust = get(resource('ExtensionInvokeRole'), 'Properties', 'AssumeRolePolicyDocument', 'Statement') as Json[];
    const sourceAccount = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'appconfig.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { 'Fn::If': ['SourceAccountRequired', sourceAccount, { Ref: 'AWS::NoValue' }] },
      },
    ]);
    // Off by default: the role then trusts exactly as AWS's user guide shows (no condition).
    expect(get(template, 'Parameters', 'RequireSourceAccount')).toMatchObject({ Type: 'String', Default: 'false', AllowedValues: ['false', 'true'] });
    expect(get(template, 'Conditions', 'SourceAccountRequired')).toEqual({ 'Fn::Equals': [{ Ref: 'RequireSourceAccount' }, 'true'] });
  });

  it('lets the invoke role invoke the forwarder and nothing else', () => {
    const policies = get(resource('ExtensionInvokeRole'), 'Properties', 'Policies') as Json[];
    const statements = policies.flatMap((p) => get(p, 'PolicyDocument', 'Statement') as Json[]);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:InvokeAsync'], Resource: getAtt('ForwarderFunction', 'Arn') },
    ]);
  });

  it('lets the forwarder write its own log group and delete extension associations, nothing else', () => {
    const role = get(resource('ForwarderExecutionRole'), 'Properties') as Json;
    expect(get(role, 'AssumeRolePolicyDocument', 'Statement')).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(role.ManagedPolicyArns).toBeUndefined();
    const statements = (role.Policies as Json[]).flatMap((p) => get(p, 'PolicyDocument', 'Statement') as Json[]);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt('ForwarderLogGroup', 'Arn') },
      { Effect: 'Allow', Action: 'appconfig:ListExtensionAssociations', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['appconfig:GetExtensionAssociation', 'appconfig:DeleteExtensionAssociation'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:appconfig:${AWS::Region}:${AWS::AccountId}:extensionassociation/*' },
      },
    ]);
  });

  it('grants on a wildcard resource only what AWS allows on no other: listing extension associations', () => {
    for (const node of walk(template)) {
      if (!('Resource' in node) || !JSON.stringify(node.Resource).includes('*')) continue;
      if (typeof node.Resource === 'string') expect(node).toEqual({ Effect: 'Allow', Action: 'appconfig:ListExtensionAssociations', Resource: '*' });
      // Otherwise only association IDs are open: this account, this Region.
      else expect(JSON.stringify(node.Resource)).toMatch(/:\$\{AWS::AccountId\}:extensionassociation\/\*"/);
    }
  });
});

describe('CloudFormation template: inline code', () => {
  it('inlines exactly the freshly built forwarder bundle', () => {
    const zipFile = get(resource('ForwarderFunction'), 'Properties', 'Code', 'ZipFile');
    expect(zipFile).toBe(bundle);
    expect(bundle).toContain('x-appconfig-signature');
  });

  it('fits aws cloudformation deploy without an S3 bucket, and refuses to render a template that would not', () => {
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(TEMPLATE_BODY_LIMIT_BYTES);
    expect(() => renderTemplate('x'.repeat(TEMPLATE_BODY_LIMIT_BYTES))).toThrow(RangeError);
  });

  it('uses nothing but Node built-ins and the AWS SDK that the Lambda Node.js runtime provides', () => {
    const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required).toContain('@aws-sdk/client-appconfig');
    for (const name of required) expect(name).toMatch(/^(node:|@aws-sdk\/client-appconfig$)/);
  });

  describe('runs as the Lambda runtime would load it (index.js, CommonJS)', () => {
    let dir: string;
    let handler: ForwarderHandler;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'forwarder-'));
      const file = join(dir, 'index.cjs');
      await writeFile(file, get(resource('ForwarderFunction'), 'Properties', 'Code', 'ZipFile') as string);
      handler = (createRequire(import.meta.url)(file) as { handler: ForwarderHandler }).handler;
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("after a 410 it loads the runtime's AWS SDK (through NODE_PATH, as Lambda provides it) and deletes its association with the role's credentials", async () => {
      const aws = await startAwsDouble({ accountId: '111122223333', region: 'eu-west-1' });
      const intake = await startIntake([{ status: 410 }]);
      try {
        const statements = (get(resource('ForwarderExecutionRole'), 'Properties', 'Policies') as Json[]).flatMap((p) => get(p, 'PolicyDocument', 'Statement') as Json[]);
        const role = { accessKeyId: 'ASIAFORWARDERLAMBDA1', secretAccessKey: 'lambda-role-secret-hhhhhhhhhhhhhhhhhhhhh', sessionToken: 'IQoJb3JpZ2luX2VjELambdaRoleSession0000' };
        aws.addKey({ ...role, accountId: '111122223333', userArn: 'arn:aws:sts::111122223333:assumed-role/forwarder/fn', allow: statements.flatMap((st) => [st.Action as string | string[]].flat()) });
        aws.addExtension({ name: DEFAULT_EXTENSION_NAME, parameters: { EventsUrl: { Required: true }, SigningSecret: { Required: true } } });
        const app = aws.addApplication({ name: 'shop' });
        const profile = aws.addProfile(app.id, { name: 'flags', type: 'AWS.AppConfig.FeatureFlags' });
        const ours = aws.addExtensionAssociation({ extension: DEFAULT_EXTENSION_NAME, resourceArn: profile.arn, parameters: { EventsUrl: intake.url, SigningSecret: 's3cret' } });
        const event = { InvocationId: 'inv-410', Type: 'PreCreateHostedConfigurationVersion', Application: { Id: app.id }, ConfigurationProfile: { Id: profile.id }, Content: 'e30=', Parameters: { EventsUrl: intake.url, SigningSecret: 's3cret' } };

        // A separate Node process with Lambda's environment: the role's keys, the Region, NODE_PATH.
        const script = 'require(process.argv[1]).handler(JSON.parse(process.argv[2]), { invokedFunctionArn: process.argv[3] }).then((r) => console.log("RESULT " + JSON.stringify(r)))';
        const { stdout } = await execFileAsync(process.execPath, ['-e', script, join(dir, 'index.cjs'), JSON.stringify(event), 'arn:aws:lambda:eu-west-1:111122223333:function:forwarder'], {
          env: {
            PATH: process.env.PATH,
            NODE_PATH: join(projectRoot, 'node_modules'),
            AWS_REGION: 'eu-west-1',
            AWS_ACCESS_KEY_ID: role.accessKeyId,
            AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
            AWS_SESSION_TOKEN: role.sessionToken,
            AWS_ENDPOINT_URL_APPCONFIG: aws.url,
          },
        });
        const lines = stdout.trim().split('\n');
        expect(lines.at(-1)).toBe('RESULT {}');
        expect(lines.slice(0, -1).map((l) => JSON.parse(l) as Json)).toEqual([
          expect.objectContaining({ outcome: 'rejected', status: 410 }),
          expect.objectContaining({ msg: 'extension association deleted', associationId: ours.id, resourceArn: profile.arn }),
        ]);
        expect(aws.extensionAssociations()).toEqual([]);
        expect(stdout).not.toContain('s3cret');
        expect(stdout).not.toContain(role.secretAccessKey);
      } finally {
        await intake.close();
        await aws.close();
      }
    });

    it('posts a signed event the app verifier accepts, returns no Content, and logs one line to stdout', async () => {
      const intake = await startIntake([{ status: 202 }]);
      const stdout = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        const event = { InvocationId: 'inv-1', Type: 'PreCreateHostedConfigurationVersion', Content: 'e30=', Parameters: { EventsUrl: intake.url, SigningSecret: 's3cret' } };
        expect(await handler(event)).toEqual({});
        const [request] = intake.received;
        // The event as AppConfig sent it, but for the secret that signs it.
        expect(request?.body.toString()).toBe(JSON.stringify({ ...event, Parameters: { EventsUrl: intake.url } }));
        expect(request?.body.toString()).not.toContain('s3cret');
        expect(verifySignature('s3cret', request?.body ?? '', request?.headers[SIGNATURE_HEADER] as string).ok).toBe(true);
        expect(stdout).toHaveBeenCalledTimes(1);
        const line = String(stdout.mock.calls[0]?.[0]);
        expect(JSON.parse(line)).toMatchObject({ outcome: 'delivered', invocationId: 'inv-1', attempts: 1 });
        expect(line).not.toContain('s3cret');
        expect(line).not.toContain('e30=');
      } finally {
        stdout.mockRestore();
        await intake.close();
      }
    });
  });
});

describe('yamlBlockScalar', () => {
  const roundTrip = (code: string) =>
    (parse(`Resources:\n  Fn:\n    Code:\n      ZipFile: ${yamlBlockScalar(code, 6)}\n\n    After: 1\n`) as Json);

  it.each([
    ['one line with a newline', 'exports.a=1;\n'],
    ['no final newline', 'exports.a=1;'],
    ['several final newlines', 'a\n\n\n'],
    ['a leading space', '  indented();\n'],
    ['a leading empty line', '\n  x();\n'],
    ['blank lines inside', 'a\n\n  b\n\tc\n'],
    ['YAML-looking text', '# not a comment\nkey: value\n- item\n--- \n...\n'],
    ['a control character', 'a\u0001b'],
    ['a carriage return', 'a\r\nb\n'],
    ['only spaces', '   '],
    ['unicode', 'const s = "é€𝄞";\n'],
  ])('gives back exactly the text (%s)', (_name, code) => {
    const parsed = roundTrip(code);
    expect(get(parsed, 'Resources', 'Fn', 'Code', 'ZipFile')).toBe(code);
    expect(get(parsed, 'Resources', 'Fn', 'After')).toBe(1);
  });

  it('gives back any text exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (code) => {
        expect(get(roundTrip(code), 'Resources', 'Fn', 'Code', 'ZipFile')).toBe(code);
      }),
      { numRuns: 200 },
    );
  });
});
