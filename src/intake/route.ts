/**
 * POST /api/associations/:id/events — the forwarder's door. Authenticated by the event signature alone
 * (the forwarder is no Jira user). What the headers already say is checked before any byte of the body
 * is read: the id's form (404), the encoding and type (415), the declared length (413), whether the
 * association exists (404). Then the body (413 when it runs past the limit), the signature (401; for an
 * unknown id a valid one means "removed", 410, when the id existed here, or, while its save is under
 * way, 503; an id this database never knew stays a 404), the event's shape
 * (400), and a durable insert (202) or a known InvocationId (200). Nothing is stored for a refused
 * request; while the database cannot be reached the answer is 503 with Retry-After, which the
 * forwarder retries.
 *
 * The route is answered with node:http alone, ahead of Express (app.ts hands it the request first):
 * none of Express's per-request work (its request/response decoration, router, body parser, ETag) is
 * needed here, and it cost more than the route's own checks. The same handler is also mounted on
 * Express for the path forms only Express matches (another letter case, a trailing slash, a
 * percent-encoded id), so every form gets the same checks and answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import type { SigningSecrets } from '../secrets/signing-secrets.js';
import { ApiError, badRequest, unauthorized } from '../http/errors.js';
import { ASSOCIATION_ID } from '../http/params.js';
import { sendJson } from '../http/send-json.js';
import { sendError } from '../http/error-handler.js';
import { setSecurityHeaders } from '../http/security-headers.js';
import { watchAnswer } from '../http/answer-deadline.js';
import type { Logger } from '../log.js';
import { SIGNATURE_HEADER, isCurrentSignatureHeader, signatureVerifier, verifySignature } from './signature.js';
import { isStoredEvent, parseExtensionEvent, storedPayload } from '../events/appconfig-event.js';
import { EventBatcher } from './event-batcher.js';
import { AssociationCache } from './association-cache.js';
import { checkEventContent } from './check-content.js';
import { AssociationGone } from '../db/associations.js';
import { recheckUnknown, type IntakeAssociation } from '../db/event-intake.js';
import type { CheckedDocuments } from '../events/checked-documents.js';

export const MAX_EVENT_BYTES = 5 * 1024 * 1024;

const SIGNATURE_MESSAGES = {
  missing: 'The X-AppConfig-Signature header is missing.',
  malformed: 'The X-AppConfig-Signature header is malformed; expected t=<unix seconds>,v1=<hex HMAC-SHA256>.',
  stale: 'The event signature timestamp is more than 300 seconds from the server clock.',
  mismatch: 'The event signature does not match; check the association SigningSecret.',
} as const;

const noSuchAssociation = () => new ApiError(404, 'association_not_found', 'No such association.');

/** An id with no association, for good: removed here, or never known to this database. */
interface Gone {
  removed: boolean;
}

/**
 * The answer to an event we signed for an id that is gone: 410 when it existed here and was removed,
 * 404 when this database never knew it (restored from an older backup, say). Only a 410 makes the
 * forwarder delete its extension association.
 */
const goneError = (gone: Gone) =>
  gone.removed
    ? new ApiError(410, 'association_removed', 'This association was removed; delete the extension association in AWS.')
    : new ApiError(404, 'association_not_found', 'No such association: the app holds no record of it. Save the association again in Jira.');

/**
 * The facts the headers state, checked before the body is read. The forwarder sends plain JSON; a
 * body in any Content-Encoding is refused rather than decoded: the signature covers the bytes as
 * AppConfig's event was serialised, and a decoder is one more thing a sender could make misbehave.
 */
function checkHeaders(req: IncomingMessage): void {
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new ApiError(415, 'unsupported_encoding', 'Events are accepted as plain JSON only; send them without a Content-Encoding.');
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(415, 'unsupported_media_type', 'Events are accepted as JSON only; send Content-Type: application/json.');
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_EVENT_BYTES) {
    throw new ApiError(413, 'payload_too_large', `An event body may be at most ${MAX_EVENT_BYTES} bytes.`);
  }
}

const tooLarge = () => new ApiError(413, 'payload_too_large', 'The request body is too large.');

/**
 * The body exactly as received (the signature covers these bytes), at most MAX_EVENT_BYTES: past that
 * it is refused at once (413) and the rest is read and dropped by Node. A body cut short (the sender
 * went away) rejects; nobody is left to answer. With `sink`, each chunk goes there and none is kept
 * (the answer is an empty buffer).
 */
function readBody(req: IncomingMessage, sink?: (chunk: Buffer) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_EVENT_BYTES) {
        stop();
        reject(tooLarge());
        return;
      }
      if (sink) sink(chunk);
      else chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: unknown) => {
      stop();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const onClose = () => onError(new ApiError(400, 'invalid_body', 'The request body ended before its declared length.'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** The route as the operator's log names it. */
const EVENTS_ROUTE = 'POST /api/associations/:id/events';
/** The path as the forwarder sends it (the EventsUrl the app hands out), query string allowed. */
const EVENTS_PATH = /^\/api\/associations\/([^/?%]+)\/events(?:\?|$)/;

/** The events route: `take` answers it ahead of Express; `router` answers the forms only Express matches. */
export interface IntakeDoor {
  /** True when the request is POST /api/associations/<id>/events and is being answered here. */
  take(req: IncomingMessage, res: ServerResponse): boolean;
  router: Router;
}

export interface IntakeDeps {
  db: Db;
  models: Models;
  signing: SigningSecrets;
  log: Logger;
  /** Wakes the worker for this association (in this process; other processes poll). */
  onStored?: (associationId: string) => void;
  /** Where a stored saved version's checked document is left for this process's worker (when it runs here). */
  checkedDocuments?: CheckedDocuments;
}

export function intakeDoor(deps: IntakeDeps): IntakeDoor {
  const { db, models, signing, log } = deps;
  const associations = new AssociationCache(db);
  const batcher = new EventBatcher(db);

  /**
   * The association the request is for, from its id and headers alone (null while its first save is
   * under way), or `gone` for an id that has no association and will not have one: it existed and was
   * removed, or this database never knew it. Throws the refusals the headers already decide.
   */
  async function checkBeforeBody(req: IncomingMessage, id: string, header: string | undefined): Promise<{ association: IntakeAssociation | null; gone?: Gone }> {
    if (!ASSOCIATION_ID.test(id)) throw noSuchAssociation();
    checkHeaders(req);
    const association = await associations.get(id);
    if (association) return { association };
    // An unknown id is read further only when the header could be a current signature: that alone
    // can tell a removed association (410, so the forwarder stops) from one that never existed.
    if (!isCurrentSignatureHeader(header)) throw noSuchAssociation();
    const now = await recheckUnknown(db, id);
    if (now.association || now.beingSaved) return { association: now.association };
    return { association: null, gone: { removed: now.removed } };
  }

  /**
   * The association an unknown id signed by us belongs to now; throws 503 while its save is under way,
   * and the answer for one that is gone (see goneError).
   */
  async function recheck(id: string): Promise<IntakeAssociation> {
    const now = await recheckUnknown(db, id);
    if (now.association) return now.association;
    if (now.beingSaved) throw new ApiError(503, 'association_being_saved', 'This association is still being saved; send the event again in a few seconds.');
    throw goneError({ removed: now.removed });
  }

  async function serve(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const signatureHeader = req.headers[SIGNATURE_HEADER];
    const header = Array.isArray(signatureHeader) ? signatureHeader.join(', ') : signatureHeader;
    const before = await checkBeforeBody(req, id, header).catch((err: unknown) => {
      // Refused before the body was read: close the connection rather than receive a body nobody reads.
      res.setHeader('Connection', 'close');
      throw err;
    });
    if (before.gone) {
      // Only whether we signed it matters: the body is hashed as it arrives and never kept, so bodies
      // sent to made-up ids with a plausible header cost no memory.
      const verifier = signatureVerifier(signing.forAssociation(id), header);
      await readBody(req, (chunk) => verifier.update(chunk));
      throw verifier.result().ok ? goneError(before.gone) : noSuchAssociation();
    }
    let association = before.association;

    const raw = await readBody(req);
    const signature = verifySignature(signing.forAssociation(id), raw, header);
    if (!signature.ok) throw association ? unauthorized(SIGNATURE_MESSAGES[signature.reason]) : noSuchAssociation();
    // Only a secret we issued can sign for this id: it exists now (its first save committed since the
    // read above), its first save is still under way (AWS was handed its EventsUrl a moment before its
    // row commits), or it existed and was removed (or its site uninstalled).
    association ??= await recheck(id);

    const parsed = parseExtensionEvent(raw.toString('utf8'));
    if (!parsed.ok) throw badRequest(parsed.code, parsed.message);
    const event = parsed.event;

    if (event.Application.Id !== association.applicationId ||
        (event.ConfigurationProfile && event.ConfigurationProfile.Id !== association.configurationProfileId)) {
      throw badRequest(
        'event_for_other_profile',
        `The event is for application ${event.Application.Id} / profile ${event.ConfigurationProfile?.Id ?? '?'}, ` +
          `but this association tracks ${association.applicationId} / ${association.configurationProfileId}.`,
      );
    }

    if (!isStoredEvent(event)) {
      sendJson(res, 202, { status: 'ignored', reason: `${event.Type} events do not change Jira.` });
      return;
    }
    const checked = await checkEventContent(db, models, association.id, event);

    let outcome;
    try {
      outcome = await batcher.store({
        associationId: id,
        invocationId: event.InvocationId,
        type: event.Type,
        payload: storedPayload(event),
      });
    } catch (err) {
      if (err instanceof AssociationGone) throw new ApiError(410, 'association_removed', 'This association was removed.');
      throw err;
    }
    if (!outcome.stored) {
      sendJson(res, 200, { status: 'duplicate', eventId: outcome.eventId });
      return;
    }
    log.debug({ associationId: id, eventId: outcome.eventId, type: event.Type }, 'event stored');
    if (checked) deps.checkedDocuments?.put(outcome.eventId, event.InvocationId, checked.document, checked.base64Bytes);
    deps.onStored?.(id);
    sendJson(res, 202, { status: 'accepted', eventId: outcome.eventId });
  }

  const answer = (req: IncomingMessage, res: ServerResponse, id: string): void => {
    serve(req, res, id).catch((err: unknown) => sendError(log, err, req, res, EVENTS_ROUTE));
  };

  const router = Router();
  router.post('/api/associations/:id/events', (req, res) => answer(req, res, req.params.id ?? ''));

  return {
    router,
    take(req, res) {
      if (req.method !== 'POST') return false;
      const path = EVENTS_PATH.exec(req.url ?? '');
      if (!path) return false;
      // What app.ts's first middlewares do for every other route.
      setSecurityHeaders(res);
      watchAnswer(log, req, res, EVENTS_ROUTE);
      answer(req, res, path[1]!);
      return true;
    },
  };
}
