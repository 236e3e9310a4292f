/**
 * The AppConfig extension event: its shape, parsed once where it enters the app (intake, from the
 * forwarder's bytes; the backfill, built here) and parsed again through the same schemas where the
 * worker reads it back from the database. Only what the product reads is required; everything else
 * AppConfig sends passes through untouched and is stored as it came (minus the signing secret).
 */
import { z } from 'zod';
import { whenMissing } from '../schema.js';
import {
  BACKFILL_EVENT_TYPE,
  DEPLOYMENT_EVENT_TYPES,
  IGNORED_EVENT_TYPES,
  isDeploymentEventType,
  isStoredEventType,
  SAVED_VERSION_EVENT_TYPE,
} from './event-types.js';

export * from './event-types.js';

/**
 * Deepest nesting accepted in an event body. AppConfig's events are three levels deep; a limit keeps a
 * hostile body (thousands of nested arrays) from reaching recursive code such as JSON.stringify.
 */
export const MAX_EVENT_DEPTH = 32;

// PostgreSQL text cannot hold NUL, and these values are stored in columns and compared in queries.
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
const columnText = (max: number) => z.string().max(max).regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');
// Free text (names, descriptions) may hold newlines and tabs, but not NUL, for the same reason.
const freeText = (max: number) => z.string().max(max).refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

const idName = z.looseObject({ Id: columnText(128).min(1), Name: freeText(256).nullish() });
const versionOf = (missing?: string) => z.union([columnText(64), z.number().int().nonnegative()], missing ? whenMissing(missing) : undefined);
const version = versionOf();
const REQUIRED = 'is required for this event type';

const common = {
  InvocationId: columnText(256).min(1),
  Parameters: z.record(z.string(), z.unknown()).nullish(),
  Application: idName,
  ConfigurationProfile: idName.nullish(),
  Environment: idName.nullish(),
  Description: freeText(4096).nullish(),
  DeploymentNumber: version.nullish(),
  ConfigurationVersion: version.nullish(),
  Content: z.string().nullish(),
  ContentType: freeText(256).nullish(),
  ContentVersion: version.nullish(),
};

/** A saved flag document: `Content` is the document in base64, `ContentVersion` its version number. */
const savedVersionSchema = z.looseObject({ ...common, Type: z.literal(SAVED_VERSION_EVENT_TYPE), Content: z.string(whenMissing(REQUIRED)).min(1, REQUIRED) });
/**
 * The app's own backfill of the latest hosted version: the fields of a saved version. Its content is
 * what AWS holds, even empty: the worker then reports it as an invalid flag document.
 */
const backfillSchema = savedVersionSchema.extend({ Type: z.literal(BACKFILL_EVENT_TYPE), Content: z.string() });
const deploymentSchema = z.looseObject({
  ...common,
  Type: z.enum(DEPLOYMENT_EVENT_TYPES),
  ConfigurationVersion: versionOf('is required for deployment events'),
});
const ignoredSchema = z.looseObject({ ...common, Type: z.enum(IGNORED_EVENT_TYPES) });

/** A Type none of the schemas has: named with the types that are. */
const typeOneOf = (types: readonly string[]) => ({
  error: (issue: { code?: string; errors?: unknown[] }) =>
    issue.code === 'invalid_union' && !issue.errors?.length ? `must be one of ${types.join(', ')}` : undefined,
});
const EXTENSION_TYPES = [SAVED_VERSION_EVENT_TYPE, ...DEPLOYMENT_EVENT_TYPES, ...IGNORED_EVENT_TYPES];

/** What AppConfig (through the forwarder) may send. */
export const extensionEventSchema = z.discriminatedUnion('Type', [savedVersionSchema, deploymentSchema, ignoredSchema], typeOneOf(EXTENSION_TYPES));
/** What the app keeps: the types that lead to Jira writes, and its own backfill. */
const storedEventSchema = z.discriminatedUnion('Type', [savedVersionSchema, backfillSchema, deploymentSchema], typeOneOf([SAVED_VERSION_EVENT_TYPE, BACKFILL_EVENT_TYPE, ...DEPLOYMENT_EVENT_TYPES]));

export type ExtensionEvent = z.infer<typeof extensionEventSchema>;
/** A flag document to apply: a saved version, or the backfill of the latest one. */
export type DocumentEvent = z.infer<typeof savedVersionSchema> | z.infer<typeof backfillSchema>;
export type DeploymentEvent = z.infer<typeof deploymentSchema>;
/** An event as stored for the worker. */
export type StoredEventPayload = DocumentEvent | DeploymentEvent;

export type ParseResult<T> = { ok: true; event: T } | { ok: false; code: 'invalid_json' | 'invalid_event'; message: string };

/**
 * One problem as "<field> <what is wrong>". A union (a version is a string or a number) says no more
 * than "Invalid input": the problem told is that of the alternative of the value's own type.
 */
function describeIssue(issue: z.core.$ZodIssue, path: PropertyKey[] = []): string {
  const at = [...path, ...issue.path];
  if (issue.code === 'invalid_union') {
    const own = issue.errors.find((alternative) => alternative[0] && alternative[0].code !== 'invalid_type')?.[0];
    if (own) return describeIssue(own, at);
  }
  return `${at.length ? at.map(String).join('.') : 'body'} ${issue.message}`;
}

/** The first few problems, in words an operator can act on. */
function describeSchemaError(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => describeIssue(issue));
  if (issues.length === 0) return 'The body is not an AppConfig extension event.';
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return `Not an AppConfig extension event: ${issues.join('; ')}${more}`;
}

/**
 * True when JSON text nests arrays/objects deeper than `max`. A scan of the text, not a parse, so it
 * cannot itself run out of stack, and it stops at the first level too deep. String contents (nearly all
 * of an event: the base64 document) are skipped with a native search for their closing quote.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) i = closingQuote(text, i + 1);
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** Index of the quote that ends the string starting at `from` (one escaped by an odd run of backslashes does not), or the text's length. */
function closingQuote(text: string, from: number): number {
  for (let at = from; ; ) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (quote - backslashes - 1 >= from && text.charCodeAt(quote - backslashes - 1) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; code: 'invalid_json'; message: string } {
  if (nestsDeeperThan(text, MAX_EVENT_DEPTH)) {
    return { ok: false, code: 'invalid_json', message: `The body nests more than ${MAX_EVENT_DEPTH} levels deep; no AppConfig event does.` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, code: 'invalid_json', message: 'The body is not valid JSON.' };
  }
}

function parseWith<T>(schema: z.ZodType<T>, text: string): ParseResult<T> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) return { ok: false, code: 'invalid_event', message: describeSchemaError(parsed.error) };
  return { ok: true, event: parsed.data };
}

/** The forwarder's body (the bytes AppConfig's event was signed as) as an extension event. */
export const parseExtensionEvent = (body: string): ParseResult<ExtensionEvent> => parseWith(extensionEventSchema, body);

/** A stored event's payload, read back as the typed event it was stored as. */
export const parseStoredEvent = (payload: string): ParseResult<StoredEventPayload> => parseWith(storedEventSchema, payload);

export const isDeploymentEvent = (event: StoredEventPayload): event is DeploymentEvent => isDeploymentEventType(event.Type);

/** Of the events AppConfig sends, the ones the app stores. */
export const isStoredEvent = (event: ExtensionEvent): event is Exclude<ExtensionEvent, z.infer<typeof ignoredSchema>> =>
  isStoredEventType(event.Type);

/** The payload as stored: the event without the signing secret AppConfig passes along in Parameters. */
export function storedPayload(event: StoredEventPayload): string {
  if (!event.Parameters) return JSON.stringify(event);
  const { SigningSecret: _dropped, ...parameters } = event.Parameters;
  return JSON.stringify({ ...event, Parameters: parameters });
}

/** The backfill event for a hosted version read from AWS, shaped as AppConfig shapes a saved version. */
export function backfillEvent(
  source: { applicationId: string; applicationName: string | null; configurationProfileId: string; configurationProfileName: string | null },
  version: { version: number | string; content: Uint8Array; contentType?: string | null; description?: string | null },
): z.infer<typeof backfillSchema> {
  return {
    InvocationId: `backfill-${version.version}`,
    Type: BACKFILL_EVENT_TYPE,
    Application: { Id: source.applicationId, Name: source.applicationName },
    ConfigurationProfile: { Id: source.configurationProfileId, Name: source.configurationProfileName },
    Description: version.description ?? null,
    Content: Buffer.from(version.content).toString('base64'),
    ContentType: version.contentType ?? 'application/json',
    ContentVersion: String(version.version),
  };
}
