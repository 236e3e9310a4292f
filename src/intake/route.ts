/**
 * POST /api/associations/:id/events — the forwarder's door. Authenticated by the event signature alone
 * (the forwarder is no Jira user). Order of checks: size (413), association and signature (404 / 410 /
 * 401), body shape (400); then a durable insert (202) or a known InvocationId (200). Nothing is stored
 * for a refused request.
 */
import express, { Router } from 'express';
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import type { SigningSecrets } from '../secrets/signing-secrets.js';
import { ApiError, badRequest, unauthorized } from '../http/errors.js';
import { asyncHandler } from '../http/async.js';
import type { Logger } from '../log.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';
import { isStoredEvent, parseExtensionEvent, storedPayload } from '../events/appconfig-event.js';
import { EventBatcher } from './event-batcher.js';
import { AssociationCache } from './association-cache.js';
import { checkEventContent } from './check-content.js';
import { AssociationGone } from '../db/associations.js';

export const MAX_EVENT_BYTES = 5 * 1024 * 1024;
const ASSOCIATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const SIGNATURE_MESSAGES = {
  missing: 'The X-AppConfig-Signature header is missing.',
  malformed: 'The X-AppConfig-Signature header is malformed; expected t=<unix seconds>,v1=<hex HMAC-SHA256>.',
  stale: 'The event signature timestamp is more than 300 seconds from the server clock.',
  mismatch: 'The event signature does not match; check the association SigningSecret.',
} as const;

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

  router.post(
    '/api/associations/:id/events',
    express.raw({ type: () => true, limit: MAX_EVENT_BYTES }),
    asyncHandler(async (req, res) => {
      const id = req.params.id ?? '';
      const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!ASSOCIATION_ID.test(id)) throw new ApiError(404, 'association_not_found', 'No such association.');

      const association = await associations.get(id);
      const signature = verifySignature(signing.forAssociation(id), raw, req.get(SIGNATURE_HEADER));
      if (!association) {
        // Only a secret we issued can sign for this id: it existed and was removed (or its site uninstalled).
        if (signature.ok) {
          throw new ApiError(410, 'association_removed', 'This association was removed; delete the extension association in AWS.');
        }
        throw new ApiError(404, 'association_not_found', 'No such association.');
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
