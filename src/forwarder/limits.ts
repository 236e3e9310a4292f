/**
 * Time limits of the forwarder, shared by the Lambda code and the template that deploys it.
 *
 * PRE_CREATE_HOSTED_CONFIGURATION_VERSION is synchronous: an engineer's "save" in AppConfig waits
 * for the forwarder. AWS documents no timeout of its own for extension Lambdas, so for the action
 * points AppConfig waits on the forwarder keeps itself short: at most DELIVERY_BUDGET_MS of trying.
 * The ON_* action points (deployments) are invoked asynchronously: nobody waits, so the forwarder
 * keeps trying for ASYNC_DELIVERY_BUDGET_MS (an app restarting or a database failing over for a
 * minute loses nothing), and when that is spent it fails the invocation, which Lambda retries
 * twice more, minutes apart. Each attempt takes at most ATTEMPT_TIMEOUT_MS; then (only when the app
 * answered 410) at most REMOVAL_BUDGET_MS go to deleting its own extension association, and the
 * function's own timeout is a few seconds above both so the outcome is always logged, not cut off.
 */
export const DELIVERY_BUDGET_MS = 15_000;
export const ASYNC_DELIVERY_BUDGET_MS = 120_000;
export const ATTEMPT_TIMEOUT_MS = 5_000;
export const REMOVAL_BUDGET_MS = 5_000;
// Plain arithmetic (no call) so the bundler can drop it from the Lambda code, which never uses it.
export const FUNCTION_TIMEOUT_SECONDS = (ASYNC_DELIVERY_BUDGET_MS + REMOVAL_BUDGET_MS) / 1000 + 5;
