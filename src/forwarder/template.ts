/**
 * The CloudFormation template an AWS admin deploys as is: the AppConfig extension, the forwarder
 * Lambda (its code inlined from the bundle of handler.ts), its log group and the two IAM roles.
 *
 * Pure string building with no dependencies, because the running app imports
 * DEFAULT_EXTENSION_NAME from here.
 */
import { FUNCTION_TIMEOUT_SECONDS } from './limits.js';
import { ACTION_POINTS, type ActionPoint } from '../events/event-types.js';

/** The extension's name in AWS, and the app's default for APPCONFIG_EXTENSION. */
export const DEFAULT_EXTENSION_NAME = 'jira-flag-tracker';

/** The file name the template is built to and served as. */
export const TEMPLATE_FILE_NAME = 'appconfig-jira-extension.yaml';

/** `aws cloudformation deploy --template-file` without `--s3-bucket` accepts up to 51,200 bytes. */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;

const ACTION_NAMES: Record<ActionPoint, string> = {
  PRE_CREATE_HOSTED_CONFIGURATION_VERSION: 'forward-saved-version',
  ON_DEPLOYMENT_START: 'forward-deployment-start',
  ON_DEPLOYMENT_COMPLETE: 'forward-deployment-complete',
  ON_DEPLOYMENT_ROLLED_BACK: 'forward-deployment-rolled-back',
};

// Characters a YAML literal block cannot carry as they are (controls other than tab and newline).
// eslint-disable-next-line no-control-regex
const NOT_LITERAL_SAFE = /[\u0000-\u0008\u000b-\u001f\u007f\r]/;

/**
 * `code` as the value of a mapping key at column `keyIndent`: a YAML literal block indented two
 * more spaces than the key, from which a YAML parser gives back exactly `code`. Text a literal block cannot hold exactly (control characters, several
 * trailing newlines, nothing at all) becomes a double-quoted scalar instead: JSON string syntax is
 * valid YAML.
 */
export function yamlBlockScalar(code: string, keyIndent: number): string {
  if (code.trim() === '' || NOT_LITERAL_SAFE.test(code) || code.endsWith('\n\n')) return JSON.stringify(code);
  const chomping = code.endsWith('\n') ? '' : '-'; // clip keeps one final newline, strip keeps none
  const content = code.endsWith('\n') ? code.slice(0, -1) : code;
  // When the first non-empty line starts with a space, the indentation must be stated explicitly.
  const indicator = /^\n* /.test(content) ? '2' : '';
  const pad = ' '.repeat(keyIndent + 2);
  const lines = content.split('\n').map((line) => (line === '' ? '' : pad + line));
  return `|${indicator}${chomping}\n${lines.join('\n')}`;
}

function actionsYaml(): string {
  return ACTION_POINTS.map(
    (point) => `        ${point}:
          - Name: ${ACTION_NAMES[point]}
            Description: Posts the event, signed, to the association's EventsUrl.
            Uri: !GetAtt ForwarderFunction.Arn
            RoleArn: !GetAtt ExtensionInvokeRole.Arn`,
  ).join('\n');
}

/** The template, with `forwarderJs` (the bundle of handler.ts) as the function's inline code. */
export function renderTemplate(forwarderJs: string): string {
  const template = `# Jira flag tracker: the AWS AppConfig extension and the Lambda that forwards its events to the Jira app.
# Deploy it as it is:
#   aws cloudformation deploy --template-file ${TEMPLATE_FILE_NAME} --stack-name jira-flag-tracker --capabilities CAPABILITY_IAM
# Then finish the setup on the app's Configure page in Jira: it associates the extension with your
# feature-flag configuration profile and sets the association's EventsUrl and SigningSecret.
AWSTemplateFormatVersion: '2010-09-09'
Description: >-
  Jira flag tracker - AppConfig extension and forwarder Lambda that posts each saved flag version and
  deployment event, signed, to the Jira app.

Parameters:
  ExtensionName:
    Type: String
    Default: ${DEFAULT_EXTENSION_NAME}
    AllowedPattern: '^[^/#:]{1,64}$'
    ConstraintDescription: '1 to 64 characters, without / # or :'
    Description: Name of the AppConfig extension. Keep the default unless the Jira app's operator says otherwise; the app looks the extension up by this name.
  LogRetentionDays:
    Type: Number
    Default: 30
    AllowedValues: [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
    Description: Days CloudWatch Logs keeps the forwarder's logs; 0 keeps them forever.
  RequireSourceAccount:
    Type: String
    Default: 'false'
    AllowedValues: ['false', 'true']
    Description: >-
      'true' adds an aws:SourceAccount condition to the role AppConfig assumes to invoke the forwarder.
      AWS does not document AppConfig as sending that key for extension roles: if no event arrives
      with 'true', set it back to 'false' (AWS's own trust policy for extension roles).

Conditions:
  LogsExpire: !Not [!Equals [!Ref LogRetentionDays, '0']]
  SourceAccountRequired: !Equals [!Ref RequireSourceAccount, 'true']

Resources:
  ForwarderLogGroup:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Delete
    UpdateReplacePolicy: Delete
    Properties:
      RetentionInDays: !If [LogsExpire, !Ref LogRetentionDays, !Ref AWS::NoValue]

  ForwarderExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      Description: Lets the Jira flag tracker forwarder write to its own log group and delete an extension association the Jira app reports removed.
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole
      Policies:
        - PolicyName: write-own-log-group
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action:
                  - logs:CreateLogStream
                  - logs:PutLogEvents
                Resource: !GetAtt ForwarderLogGroup.Arn
        # When the app answers 410 (association removed in Jira, or app uninstalled), the forwarder
        # finds the association on the event's profile that points at the app and deletes it.
        - PolicyName: delete-own-extension-association
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              # AWS defines no resource type for ListExtensionAssociations: it takes only "*".
              - Effect: Allow
                Action: appconfig:ListExtensionAssociations
                Resource: '*'
              - Effect: Allow
                Action:
                  - appconfig:GetExtensionAssociation
                  - appconfig:DeleteExtensionAssociation
                Resource: !Sub 'arn:\${AWS::Partition}:appconfig:\${AWS::Region}:\${AWS::AccountId}:extensionassociation/*'

  ForwarderFunction:
    Type: AWS::Lambda::Function
    Properties:
      Description: Jira flag tracker - posts AppConfig extension events, signed, to the Jira app. Never changes a saved document.
      Runtime: nodejs22.x
      Handler: index.handler
      Architectures:
        - arm64
      MemorySize: 128
      Timeout: ${FUNCTION_TIMEOUT_SECONDS}
      Role: !GetAtt ForwarderExecutionRole.Arn
      LoggingConfig:
        LogGroup: !Ref ForwarderLogGroup
        LogFormat: Text
      Code:
        ZipFile: ${yamlBlockScalar(forwarderJs, 8)}

  ExtensionInvokeRole:
    Type: AWS::IAM::Role
    Properties:
      Description: Assumed by AWS AppConfig to invoke the Jira flag tracker forwarder.
      # AWS's documented trust policy for extension roles; the source-account condition is opt-in
      # because AWS does not document AppConfig as sending aws:SourceAccount when it assumes the role.
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: appconfig.amazonaws.com
            Action: sts:AssumeRole
            Condition: !If [SourceAccountRequired, { StringEquals: { 'aws:SourceAccount': !Ref AWS::AccountId } }, !Ref AWS::NoValue]
      Policies:
        - PolicyName: invoke-forwarder
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              # InvokeFunction serves the PRE_* action point, InvokeAsync the ON_* ones (AppConfig user guide).
              - Effect: Allow
                Action:
                  - lambda:InvokeFunction
                  - lambda:InvokeAsync
                Resource: !GetAtt ForwarderFunction.Arn

  Extension:
    Type: AWS::AppConfig::Extension
    Properties:
      Name: !Ref ExtensionName
      Description: Jira flag tracker - sends saved flag versions and deployment events to the Jira app.
      Actions:
${actionsYaml()}
      Parameters:
        EventsUrl:
          Required: true
          Description: Where this association's events go. Set by the Jira app when it associates the extension.
        SigningSecret:
          Required: true
          Description: Key that signs this association's events. Set by the Jira app when it associates the extension.

Outputs:
  ExtensionName:
    Description: Name of the AppConfig extension (the Jira app associates it by this name).
    Value: !Ref ExtensionName
  ExtensionArn:
    Description: ARN of the AppConfig extension.
    Value: !GetAtt Extension.Arn
  ExtensionId:
    Description: ID of the AppConfig extension.
    Value: !GetAtt Extension.Id
  ForwarderFunctionArn:
    Description: ARN of the forwarder Lambda function.
    Value: !GetAtt ForwarderFunction.Arn
  ForwarderLogGroupName:
    Description: CloudWatch Logs group with one line per forwarded event.
    Value: !Ref ForwarderLogGroup
  ExtensionInvokeRoleArn:
    Description: ARN of the role AppConfig assumes to invoke the forwarder.
    Value: !GetAtt ExtensionInvokeRole.Arn
`;
  const bytes = Buffer.byteLength(template, 'utf8');
  if (bytes > TEMPLATE_BODY_LIMIT_BYTES) {
    throw new RangeError(`the template is ${bytes} bytes; aws cloudformation deploy accepts ${TEMPLATE_BODY_LIMIT_BYTES} without an S3 bucket`);
  }
  return template;
}
