import { describe, expect, it } from 'vitest';
import { CheckedDocuments } from '../../../src/events/checked-documents.js';
import type { FlagDocument } from '../../../src/flags/index.js';

const doc = (key: string): FlagDocument => ({ flags: [{ key, name: key, enabled: true, attributes: [], variants: [] }] }) as unknown as FlagDocument;

describe('CheckedDocuments: the door hands its checked document to the worker', () => {
  it('hands a document over once, to the event it was checked for', () => {
    const kept = new CheckedDocuments(100);
    const a = doc('a');
    kept.put(1, 'inv-1', a, 10);
    expect(kept.take(1, 'inv-1')).toBe(a);
    expect(kept.take(1, 'inv-1')).toBeUndefined();
    expect(kept.size).toBe(0);
  });

  it('gives nothing for an event id whose InvocationId is another, and forgets the entry', () => {
    const kept = new CheckedDocuments(100);
    kept.put(1, 'inv-1', doc('a'), 10);
    expect(kept.take(1, 'inv-other')).toBeUndefined();
    expect(kept.take(1, 'inv-1')).toBeUndefined();
    expect(kept.size).toBe(0);
  });

  it('keeps at most its byte budget: the oldest documents go first', () => {
    const kept = new CheckedDocuments(100);
    kept.put(1, 'i1', doc('a'), 40);
    kept.put(2, 'i2', doc('b'), 40);
    kept.put(3, 'i3', doc('c'), 40);
    expect(kept.size).toBe(80);
    expect(kept.take(1, 'i1')).toBeUndefined();
    expect(kept.take(2, 'i2')?.flags[0]?.key).toBe('b');
    expect(kept.take(3, 'i3')?.flags[0]?.key).toBe('c');
  });

  it('does not keep a document larger than the whole budget, nor push others out for it', () => {
    const kept = new CheckedDocuments(100);
    kept.put(1, 'i1', doc('a'), 60);
    kept.put(2, 'i2', doc('big'), 101);
    expect(kept.size).toBe(60);
    expect(kept.take(2, 'i2')).toBeUndefined();
    expect(kept.take(1, 'i1')?.flags[0]?.key).toBe('a');
  });

  it('a second put for the same event replaces the first without counting it twice', () => {
    const kept = new CheckedDocuments(100);
    kept.put(1, 'i1', doc('a'), 60);
    kept.put(1, 'i1', doc('b'), 60);
    expect(kept.size).toBe(60);
    expect(kept.take(1, 'i1')?.flags[0]?.key).toBe('b');
  });
});
