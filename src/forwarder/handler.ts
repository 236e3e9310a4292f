/**
 * The forwarder Lambda: AppConfig invokes it at each action point of the extension; it posts the
 * event, unchanged and signed, to the association's EventsUrl.
 *
 * When the app answers 410 (the association was removed in Jira, or the site uninstalled the app),
 * the forwarder deletes its own extension association in AWS (remove-association.ts) and logs it.
 *
 * This file is the one source of the code in the CloudFormation template (scripts/build.mjs bundles
 * it with ../intake/signature.ts into the template's inline ZipFile). Node built-ins, global fetch,
 * and the AWS SDK the Lambda runtime provides (only to delete the association).
 *
 * It never returns `Content`: for PRE_* action points AppConfig would take a returned `Content` as the
 * new document. For the action points AppConfig waits on it never throws either: an error would block
 * the engineer's save, and the app being down must not stop anyone saving flags. The ON_* action
 * points (deployments) are asynchronous: there the forwarder tries for longer, and an event it still
 * could not deliver fails the invocation, so that Lambda tries it again (the app stores a re-delivered
 * event once: its InvocationId is the same).
 */
import { deliver, type DeliveryOutcome } from './deliver.js';
import { ASYNC_DELIVERY_BUDGET_MS, ATTEMPT_TIMEOUT_MS, DELIVERY_BUDGET_MS, REMOVAL_BUDGET_MS } from './limits.js';
import { removeOwnAssociation, type AwsCredentials, type RemovalOutcome } from './remove-association.js';

export interface ForwarderOptions {
  /** Delivery budget of the action points AppConfig waits on (PRE_*, AT_*). */
  budgetMs?: number;
  /** Delivery budget of the asynchronous ON_* action points. */
  asyncBudgetMs?: number;
  attemptTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Receives one JSON line per invocation (two after a 410). Defaults to console.log (CloudWatch Logs in Lambda). */
  log?: (line: string) => void;
  removalTimeoutMs?: number;
  /** Only for tests: in Lambda the SDK takes the execution role's credentials from the environment. */
  awsCredentials?: AwsCredentials;
}

/** The part of Lambda's context object the forwarder reads. */
export interface ForwarderContext {
  invokedFunctionArn?: string;
}

/** What the handler returns to AppConfig: always an empty object (no Content, no Error). */
export type ForwarderResponse = Record<string, never>;

export type ForwarderHandler = (event: unknown, context?: ForwarderContext) => Promise<ForwarderResponse>;

/** One line per invocation; never the secret, the document Content, the header or the body. */
export interface ForwarderLogLine {
  level: 'info' | 'warn' | 'error';
  msg: 'appconfig event forwarded' | 'appconfig event not forwarded';
  outcome: DeliveryOutcome['outcome'] | 'misconfigured' | 'invalid_event' | 'failed';
  type?: string;
  invocationId?: string;
  /** Host of EventsUrl, to tell associations apart in the logs. */
  host?: string;
  status?: number;
  attempts: number;
  ms: number;
  error?: string;
}

/** After a 410: whether the forwarder deleted its own extension association. */
export interface RemovalLogLine extends RemovalOutcome {
  level: 'warn' | 'error';
  msg: 'extension association deleted' | 'extension association not deleted';
  reason: string;
  type?: string;
  invocationId?: string;
  host?: string;
  ms: number;
}

/** The app's answer for a removed association (or an uninstalled site) whose signature was valid. */
const GONE = 410;

/** ON_* action points (OnDeploymentStart, OnDeploymentComplete, …): invoked asynchronously, nobody waits. */
const isAsynchronous = (type: unknown): boolean => typeof type === 'string' && /^On[A-Z]/.test(type);

/** Thrown for an asynchronous event the app did not take in time: Lambda invokes the forwarder again. */
export class DeliveryFailed extends Error {
  override readonly name = 'DeliveryFailed';
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Event fields that end up in the log are capped: they come from outside.
const clip = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.slice(0, 128) : undefined;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Target = { url: string; host: string; secret: string } | { problem: string };

/** The event with its Parameters' SigningSecret left out (everything else as AppConfig sent it). */
function withoutSigningSecret(event: Record<string, unknown>): Record<string, unknown> {
  const params = event.Parameters;
  if (!isRecord(params) || !('SigningSecret' in params)) return event;
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) if (name !== 'SigningSecret') kept[name] = value;
  return { ...event, Parameters: kept };
}

/** EventsUrl and SigningSecret from the association's parameters, checked. */
function targetOf(event: Record<string, unknown>): Target {
  const params = event.Parameters;
  if (!isRecord(params)) return { problem: 'the event has no Parameters' };
  const { EventsUrl: eventsUrl, SigningSecret: secret } = params;
  if (typeof eventsUrl !== 'string' || eventsUrl.trim() === '') return { problem: 'EventsUrl is missing' };
  if (typeof secret !== 'string' || secret === '') return { problem: 'SigningSecret is missing' };
  let url: URL;
  try {
    url = new URL(eventsUrl.trim());
  } catch {
    return { problem: 'EventsUrl is not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'EventsUrl is not an http(s) URL' };
  // Flag documents and the signed events never cross a network in clear: plain http only to this machine.
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) return { problem: 'EventsUrl must be https:// (plain http only to localhost)' };
  return { url: url.href, host: url.host, secret };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export function createHandler(options: ForwarderOptions = {}): ForwarderHandler {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const asyncBudgetMs = options.asyncBudgetMs ?? ASYNC_DELIVERY_BUDGET_MS;
  const deliveryOptions = {
    budgetMs: options.budgetMs ?? DELIVERY_BUDGET_MS,
    attemptTimeoutMs: options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS,
    sleep: options.sleep ?? defaultSleep,
    now,
    random: options.random ?? Math.random,
  };

  // Level and message follow from the outcome, so every line reads the same way.
  const write = (fields: Omit<ForwarderLogLine, 'level' | 'msg'>): void => {
    const delivered = fields.outcome === 'delivered';
    const line: ForwarderLogLine = {
      level: delivered ? 'info' : fields.outcome === 'gave_up' ? 'warn' : 'error',
      msg: delivered ? 'appconfig event forwarded' : 'appconfig event not forwarded',
      ...fields,
    };
    emit(line);
  };
  const emit = (line: ForwarderLogLine | RemovalLogLine): void => {
    try {
      log(JSON.stringify(line));
    } catch {
      // Logging must not be the thing that fails the invocation.
    }
  };

  /** Deletes this forwarder's association once the app says it is gone; AppConfig then stops calling. */
  const removeAssociation = async (event: Record<string, unknown>, url: string, base: object, host: string, context?: ForwarderContext) => {
    const started = now();
    const outcome = await removeOwnAssociation({
      event,
      eventsUrl: url,
      functionArn: context?.invokedFunctionArn,
      timeoutMs: options.removalTimeoutMs ?? REMOVAL_BUDGET_MS,
      ...(options.awsCredentials ? { credentials: options.awsCredentials } : {}),
    });
    const deleted = outcome.outcome === 'deleted';
    emit({
      level: outcome.outcome === 'failed' ? 'error' : 'warn',
      msg: deleted ? 'extension association deleted' : 'extension association not deleted',
      reason: 'the app answered 410: the association was removed in Jira or the app was uninstalled',
      ...base,
      host,
      ...outcome,
      ms: Math.round(now() - started),
    });
  };

  return async function handler(event: unknown, context?: ForwarderContext): Promise<ForwarderResponse> {
    const started = now();
    const elapsed = () => Math.round(now() - started);
    const base = isRecord(event) ? { type: clip(event.Type), invocationId: clip(event.InvocationId) } : {};
    const asynchronous = isRecord(event) && isAsynchronous(event.Type);
    let undelivered = false;
    try {
      if (!isRecord(event)) {
        write({ outcome: 'invalid_event', attempts: 0, ms: elapsed(), error: 'the event is not a JSON object' });
        return {};
      }
      const target = targetOf(event);
      if ('problem' in target) {
        write({ outcome: 'misconfigured', ...base, attempts: 0, ms: elapsed(), error: target.problem });
        return {};
      }
      // The event as AppConfig sent it, less the signing secret: the secret signs these bytes (the app
      // verifies the signature over them) and has no reason to travel in them, past proxies that may log bodies.
      const body = JSON.stringify(withoutSigningSecret(event));
      const result = await deliver(target.url, body, target.secret, asynchronous ? { ...deliveryOptions, budgetMs: asyncBudgetMs } : deliveryOptions);
      write({ ...base, host: target.host, ...result, ms: elapsed() });
      undelivered = result.outcome === 'gave_up';
      if (result.outcome === 'rejected' && result.status === GONE) await removeAssociation(event, target.url, base, target.host, context);
    } catch (err) {
      write({ outcome: 'failed', ...base, attempts: 0, ms: elapsed(), error: err instanceof Error ? err.name : 'unknown error' });
    }
    // Only the app not answering in time is worth Lambda's retry; an answer it gave (a 4xx) stands.
    if (asynchronous && undelivered) throw new DeliveryFailed('The app did not take the event in time; Lambda will invoke the forwarder again.');
    return {};
  };
}

export const handler: ForwarderHandler = createHandler();
