/**
 * POST /api/associations/:id/events — the forwarder's door. Authenticated by the event signature alone
 * (the forwarder is no Jira user). What the headers already say is checked before any byte of the body
 * is read: the id's form (404), the encoding and type (415), the declared length (413), whether the
 * association exists (404). Then the body (413 when it runs past the limit), the signature (401; for an
 * unknown id a valid one means "removed", 410), the event's shape (400), and a durable insert (202) or
 * a known InvocationId (200). Nothing is stored for a refused request; while the database cannot be
 * reached the answer is 503 with Retry-After, which the forwarder retries.
 */
import express, { Router, type Request, type Response } from 'express';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import type { SigningSecrets } from '../secrets/signing-secrets.js';
import { ApiError, badRequest, unauthorized } from '../http/errors.js';
import { asyncHandler } from '../http/async.js';
import { ASSOCIATION_ID } from '../http/params.js';
import type { Logger } from '../log.js';
import { SIGNATURE_HEADER, isCurrentSignatureHeader, verifySignature } from './signature.js';
import { isStoredEvent, parseExtensionEvent, storedPayload } from '../events/appconfig-event.js';
import { EventBatcher } from './event-batcher.js';
import { AssociationCache } from './association-cache.js';
import { checkEventContent } from './check-content.js';
import { AssociationGone } from '../db/associations.js';

export const MAX_EVENT_BYTES = 5 * 1024 * 1024;

const SIGNATURE_MESSAGES = {
  missing: 'The X-AppConfig-Signature header is missing.',
  malformed: 'The X-AppConfig-Signature header is malformed; expected t=<unix seconds>,v1=<hex HMAC-SHA256>.',
  stale: 'The event signature timestamp is more than 300 seconds from the server clock.',
  mismatch: 'The event signature does not match; check the association SigningSecret.',
} as const;

const noSuchAssociation = () => new ApiError(404, 'association_not_found', 'No such association.');

/**
 * The facts the headers state, checked before the body is read. The forwarder sends plain JSON; a
 * body in any Content-Encoding is refused rather than decoded: the signature covers the bytes as
 * AppConfig's event was serialised, and a decoder is one more thing a sender could make misbehave.
 */
function checkHeaders(req: Request): void {
  const encoding = (req.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new ApiError(415, 'unsupported_encoding', 'Events are accepted as plain JSON only; send them without a Content-Encoding.');
  }
  const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(415, 'unsupported_media_type', 'Events are accepted as JSON only; send Content-Type: application/json.');
  }
  const declared = req.get('content-length');
  if (declared !== undefined && Number(declared) > MAX_EVENT_BYTES) {
    throw new ApiError(413, 'payload_too_large', `An event body may be at most ${MAX_EVENT_BYTES} bytes.`);
  }
}

const rawBody = express.raw({ type: () => true, limit: MAX_EVENT_BYTES, inflate: false });

/** The body exactly as received (the signature covers these bytes), at most MAX_EVENT_BYTES. */
function readBody(req: Request, res: Response): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    rawBody(req, res, (err?: unknown) => {
      if (err) reject(err);
      else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    });
  });
}

export interface IntakeDeps {
  db: Db;
  models: Models;
  signing: SigningSecrets;
  log: Logger;
  /** Wakes the worker for this association (in this process; other processes poll). */
  onStored?: (associationId: string) => void;
}

export function intakeRouter(deps: IntakeDeps): Router {
  const { db, models, signing, log } = deps;
  const router = Router();
  const associations = new AssociationCache(db);
  const batcher = new EventBatcher(db);

  /** The association the request is for, from its id and headers alone; throws the refusal. */
  async function checkBeforeBody(req: Request, id: string, header: string | undefined) {
    if (!ASSOCIATION_ID.test(id)) throw noSuchAssociation();
    checkHeaders(req);
    const association = await associations.get(id);
    // An unknown id is read further only when the header could be a current signature: that alone
    // can tell a removed association (410, so the forwarder stops) from one that never existed.
    if (!association && !isCurrentSignatureHeader(header)) throw noSuchAssociation();
    return association;
  }

  router.post(
    '/api/associations/:id/events',
    asyncHandler(async (req, res) => {
      const id = req.params.id ?? '';
      const header = req.get(SIGNATURE_HEADER);
      const association = await checkBeforeBody(req, id, header).catch((err: unknown) => {
        // Refused before the body was read: close the connection rather than receive a body nobody reads.
        res.set('Connection', 'close');
        throw err;
      });

      const raw = await readBody(req, res);
      const signature = verifySignature(signing.forAssociation(id), raw, header);
      if (!association) {
        // Only a secret we issued can sign for this id: it existed and was removed (or its site uninstalled).
        if (signature.ok) {
          throw new ApiError(410, 'association_removed', 'This association was removed; delete the extension association in AWS.');
        }
        throw noSuchAssociation();
      }
      if (!signature.ok) throw unauthorized(SIGNATURE_MESSAGES[signature.reason]);

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
        res.status(202).json({ status: 'ignored', reason: `${event.Type} events do not change Jira.` });
        return;
      }
      await checkEventContent(db, models, association.id, event);

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
        res.status(200).json({ status: 'duplicate', eventId: outcome.eventId });
        return;
      }
      log.debug({ associationId: id, eventId: outcome.eventId, type: event.Type }, 'event stored');
      deps.onStored?.(id);
      res.status(202).json({ status: 'accepted', eventId: outcome.eventId });
    }),
  );
  return router;
}
