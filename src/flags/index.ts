/**
 * The pure heart of the app: parse a feature-flag document, diff two versions, render Jira content.
 * Nothing here does I/O, so every caller (event worker, backfill, tests) gets the same answers.
 */
export type {
  AttributeConstraints,
  ConstraintType,
  Flag,
  FlagAttribute,
  FlagDeprecation,
  FlagDocument,
  FlagVariant,
  ParseError,
  ParseResult,
} from './model.js';
export { KEY_PATTERN, MAX_ATTRIBUTES_PER_FLAG } from './model.js';
export { flagEnabledValues, formatParseErrors, parseFlagDocument, parseFlagDocumentBase64, validateFlagDocument } from './parse.js';
export { deepEqual } from './equal.js';
export { CHANGE_ORDER, diffDocuments, diffFlag, flagChanges } from './diff.js';
export type { FlagChange, FlagChangeKind, FlagDiff } from './diff.js';
export type { AdfBlock, AdfDoc, AdfInline, AdfMark } from './render/adf.js';
export { plainText } from './render/adf.js';
export { issueSummary, SUMMARY_MAX_LENGTH } from './render/summary.js';
export { issueDescription } from './render/description.js';
export type { FlagContext } from './render/description.js';
export { changeComment } from './render/change-comment.js';
export type { ChangeSource } from './render/change-comment.js';
export { deploymentComment, recreatedNote } from './render/deployment-comment.js';
export type { DeploymentEventType, DeploymentInfo } from './render/deployment-comment.js';
export { adfSize, JIRA_BODY_LIMIT } from './render/fit.js';
