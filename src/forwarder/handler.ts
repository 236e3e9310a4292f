/**
 * The forwarder Lambda: AppConfig invokes it at each action point of the extension; it posts the
 * event, unchanged and signed, to the association's EventsUrl.
 *
 * This file is the one source of the code in the CloudFormation template (scripts/build.mjs bundles
 * it with ../intake/signature.ts into the template's inline ZipFile). Node built-ins and global
 * fetch only.
 *
 * Whatever happens it never throws and never returns `Content`: for PRE_* action points AppConfig
 * would take a returned `Content` as the new document, and an error would block the engineer's
 * save. The app being down must not stop anyone saving flags.
 */
import { deliver, type DeliveryOutcome } from './deliver.js';
import { ATTEMPT_TIMEOUT_MS, DELIVERY_BUDGET_MS } from './limits.js';

export interface ForwarderOptions {
  budgetMs?: number;
  attemptTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Receives one JSON line per invocation. Defaults to console.log (CloudWatch Logs in Lambda). */
  log?: (line: string) => void;
}

/** What the handler returns to AppConfig: always an empty object (no Content, no Error). */
export type ForwarderResponse = Record<string, never>;

export type ForwarderHandler = (event: unknown) => Promise<ForwarderResponse>;

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

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Event fields that end up in the log are capped: they come from outside.
const clip = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.slice(0, 128) : undefined;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Target = { url: string; host: string; secret: string } | { problem: string };

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
  return { url: url.href, host: url.host, secret };
}

export function createHandler(options: ForwarderOptions = {}): ForwarderHandler {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.log(line));
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
    try {
      log(JSON.stringify(line));
    } catch {
      // Logging must not be the thing that fails the invocation.
    }
  };

  return async function handler(event: unknown): Promise<ForwarderResponse> {
    const started = now();
    const elapsed = () => Math.round(now() - started);
    const base = isRecord(event) ? { type: clip(event.Type), invocationId: clip(event.InvocationId) } : {};
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
      // The event exactly as AppConfig sent it: the app verifies the signature over these bytes.
      const body = JSON.stringify(event);
      const result = await deliver(target.url, body, target.secret, deliveryOptions);
      write({ ...base, host: target.host, ...result, ms: elapsed() });
    } catch (err) {
      write({ outcome: 'failed', ...base, attempts: 0, ms: elapsed(), error: err instanceof Error ? err.name : 'unknown error' });
    }
    return {};
  };
}

export const handler: ForwarderHandler = createHandler();
