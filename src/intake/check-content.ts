/**
 * A saved flag document is checked at the door: a document the pipeline could never process is refused
 * (400, nothing stored) and the reason is put on the association's health, where the admin looks. The
 * checked document is returned with the size of its base64 text, for the worker to take up without
 * parsing it again.
 */
import type { Db } from '../db/database.js';
import type { Models } from '../db/models.js';
import { badRequest } from '../http/errors.js';
import { parseFlagDocumentBase64, type FlagDocument } from '../flags/index.js';
import { SAVED_VERSION_EVENT_TYPE, type ExtensionEvent } from '../events/appconfig-event.js';
import { recordFailure } from '../db/health.js';

export async function checkEventContent(
  db: Db,
  models: Models,
  associationId: string,
  event: ExtensionEvent,
): Promise<{ document: FlagDocument; base64Bytes: number } | undefined> {
  if (event.Type !== SAVED_VERSION_EVENT_TYPE) return undefined;
  const result = parseFlagDocumentBase64(event.Content);
  if (result.ok) return { document: result.document, base64Bytes: event.Content.length };
  const first = result.errors[0];
  const detail = first ? `${first.path ? first.path + ': ' : ''}${first.message}` : 'unreadable';
  const version = event.ContentVersion != null ? ` (version ${event.ContentVersion})` : '';
  // The detail may quote the sender's text; control characters (NUL above all) have no place in it.
  // eslint-disable-next-line no-control-regex
  const message = `The saved configuration${version} is not a valid feature-flag document: ${detail}`.replace(/[\u0000-\u001f\u007f]/g, '\uFFFD');
  await recordFailure(db, models, associationId, 'invalid_flag_document', message);
  throw badRequest('invalid_flag_document', message);
}
