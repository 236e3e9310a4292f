/**
 * Flag documents the events door has already parsed and checked, handed to this process's worker by
 * stored event id, so a saved version is parsed once, not again when the worker takes it up (about 15 ms
 * and 9 MB of garbage per 1,000 flags). Only a hint: a worker in another process, or one that comes to
 * the event after it was pushed out, parses the stored payload as before.
 *
 * Bounded by bytes, not by a count: the documents kept at once add up to at most `maxBytes` of their
 * base64 text (the oldest go first), and one larger than that is not kept at all. A document is taken,
 * not read: the worker's take removes it. The event's InvocationId must match too: an id is never
 * reused for another event, and this does not rest on that alone.
 */
import type { FlagDocument } from '../flags/index.js';

/** About one large document (a 2.7 MB document is 3.6 MB of base64), or many ordinary ones. */
export const CHECKED_DOCUMENTS_BYTES = 4 * 1024 * 1024;

export class CheckedDocuments {
  private readonly kept = new Map<number, { invocationId: string; document: FlagDocument; bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes = CHECKED_DOCUMENTS_BYTES) {}

  /** Keeps the checked document of stored event `eventId`; `bytes`: the size of its base64 text. */
  put(eventId: number, invocationId: string, document: FlagDocument, bytes: number): void {
    if (bytes > this.maxBytes) return;
    this.drop(eventId);
    for (const [id, entry] of this.kept) {
      if (this.bytes + bytes <= this.maxBytes) break;
      this.kept.delete(id);
      this.bytes -= entry.bytes;
    }
    this.kept.set(eventId, { invocationId, document, bytes });
    this.bytes += bytes;
  }

  /** The document handed over for `eventId`, removed from here; undefined when none is kept. */
  take(eventId: number, invocationId: string): FlagDocument | undefined {
    const entry = this.kept.get(eventId);
    this.drop(eventId);
    return entry?.invocationId === invocationId ? entry.document : undefined;
  }

  /** Base64 bytes of the documents kept now. */
  get size(): number {
    return this.bytes;
  }

  private drop(eventId: number): void {
    const entry = this.kept.get(eventId);
    if (!entry) return;
    this.kept.delete(eventId);
    this.bytes -= entry.bytes;
  }
}
