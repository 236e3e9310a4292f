export { JiraClient, BULK_CREATE_MAX, BULK_FETCH_MAX } from './client.js';
export { JiraError, type JiraErrorKind } from './errors.js';
export type { JiraClientOptions, RetryInfo } from './transport.js';
export { appRequestJwt, pathRelativeToBase, JWT_VALIDITY_SECONDS } from './jwt.js';
export type * from './types.js';
export type { ConnectAuth, ForgeAuth, JiraAuth } from './auth.js';
export { FEATURE_FLAGS_PER_CALL, ISSUES_PER_PROPERTY_CALL, type FeatureFlagSubmission } from './feature-flags.js';
export { RateGate, rateGateFor, type RateGateOptions } from './rate-gate.js';
export { issueNumber, newestIssueNumber } from './issue-numbers.js';
