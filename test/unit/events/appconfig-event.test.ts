/**
 * The one AppConfig event vocabulary: what the forwarder's body parses to at the door, what is stored,
 * and what the worker reads back.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_EVENT_DEPTH,
  backfillEvent,
  isDeploymentEvent,
  isStoredEvent,
  nestsDeeperThan,
  parseExtensionEvent,
  parseStoredEvent,
  storedPayload,
} from '../../../src/events/appconfig-event.js';
import { fixtureText } from '../../support/fixtures.js';

const preCreate = fixtureText('event-pre-create.json');
const deployment = fixtureText('event-deployment-complete.json');

describe('the AppConfig extension event', () => {
  it('parses AppConfig saved-version and deployment events as they are sent', () => {
    const saved = parseExtensionEvent(preCreate);
    expect(saved.ok && saved.event).toMatchObject({ Type: 'PreCreateHostedConfigurationVersion', ContentVersion: '1', InvocationId: '7itcaxp' });
    const deployed = parseExtensionEvent(deployment);
    expect(deployed.ok && deployed.event).toMatchObject({ Type: 'OnDeploymentComplete', ConfigurationVersion: '1', DeploymentNumber: '3' });
  });

  it('stores the event without its signing secret, and reads it back as the same typed event', () => {
    for (const body of [preCreate, deployment]) {
      const parsed = parseExtensionEvent(body);
      if (!parsed.ok || !isStoredEvent(parsed.event)) throw new Error('expected a stored event type');
      const payload = storedPayload(parsed.event);
      expect(payload).not.toContain('example-secret');
      const back = parseStoredEvent(payload);
      const { SigningSecret: _secret, ...parameters } = JSON.parse(body).Parameters as Record<string, unknown>;
      expect(back).toEqual({ ok: true, event: { ...JSON.parse(body), Parameters: parameters } });
    }
  });

  it('accepts free text over several lines', () => {
    const parsed = parseExtensionEvent(JSON.stringify({ ...JSON.parse(preCreate), Description: 'raise the limit\n\t- for checkout' }));
    expect(parsed.ok && parsed.event.Description).toBe('raise the limit\n\t- for checkout');
  });

  it('keeps fields it does not know, as AppConfig sent them', () => {
    const parsed = parseExtensionEvent(JSON.stringify({ ...JSON.parse(deployment), Extra: { nested: [1, 2] } }));
    expect(parsed.ok && parsed.event).toMatchObject({ Extra: { nested: [1, 2] } });
  });

  it('takes keys named like object internals ("constructor", "__proto__") as plain data', () => {
    // A fuzzed delivery with Parameters {"constructor": null} once crashed the schema library (a 500).
    for (const key of ['constructor', '__proto__', 'prototype', 'hasOwnProperty']) {
      const body = `{"InvocationId":"i","Type":"OnDeploymentComplete","Application":{"Id":"a","${key}":null},"ConfigurationVersion":"1","Parameters":{"${key}":null,"SigningSecret":"s"}}`;
      const parsed = parseExtensionEvent(body);
      if (!parsed.ok || !isStoredEvent(parsed.event)) throw new Error(`${key}: ${JSON.stringify(parsed)}`);
      // "__proto__" is dropped rather than kept: kept, it would set the stored object's prototype.
      const stored = JSON.parse(storedPayload(parsed.event)).Parameters;
      expect(stored, key).toEqual(key === '__proto__' ? {} : { [key]: null });
      expect(Object.getPrototypeOf(stored), key).toBe(Object.prototype);
    }
  });

  it('tells deployment events from documents', () => {
    const back = parseStoredEvent(storedPayload(JSON.parse(deployment)));
    expect(back.ok && isDeploymentEvent(back.event)).toBe(true);
    const doc = parseStoredEvent(storedPayload(JSON.parse(preCreate)));
    expect(doc.ok && isDeploymentEvent(doc.event)).toBe(false);
  });

  it('acknowledges but does not store the action points the app ignores', () => {
    const step = parseExtensionEvent(JSON.stringify({ ...JSON.parse(deployment), Type: 'OnDeploymentStep' }));
    expect(step.ok).toBe(true);
    expect(step.ok && isStoredEvent(step.event)).toBe(false);
    // Stored rows are never of an ignored type: reading one back is an error, not a silent no-op.
    expect(parseStoredEvent(JSON.stringify({ ...JSON.parse(deployment), Type: 'OnDeploymentStep' }))).toMatchObject({ ok: false, code: 'invalid_event' });
  });

  it.each([
    ['a saved version without Content', { ...JSON.parse(preCreate), Content: undefined }, 'Content is required for this event type'],
    ['a deployment without ConfigurationVersion', { ...JSON.parse(deployment), ConfigurationVersion: undefined }, 'ConfigurationVersion is required for deployment events'],
    ['a ContentVersion holding a NUL', { ...JSON.parse(preCreate), ContentVersion: '20a\u0000b' }, 'ContentVersion'],
    ['an InvocationId holding a NUL', { ...JSON.parse(preCreate), InvocationId: 'a\u0000b' }, 'InvocationId'],
    ['a Description holding a NUL', { ...JSON.parse(preCreate), Description: 'a\u0000b' }, 'Description must not contain NUL'],
    ['an environment name holding a NUL', { ...JSON.parse(deployment), Environment: { Id: 'env5678', Name: 'prod\u0000' } }, 'Environment.Name'],
    ['the backfill type, which only the app writes', { ...JSON.parse(preCreate), Type: 'Backfill' }, 'Type must be one of PreCreateHostedConfigurationVersion, OnDeploymentStart'],
    ['a version below zero', { ...JSON.parse(deployment), ConfigurationVersion: -1 }, 'ConfigurationVersion Too small: expected number to be >=0'],
    ['a version that is neither text nor a number', { ...JSON.parse(deployment), ConfigurationVersion: true }, 'ConfigurationVersion Invalid input'],
  ])('refuses %s, naming the field', (_name, event, message) => {
    const parsed = parseExtensionEvent(JSON.stringify(event));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.code).toBe('invalid_event');
    expect(!parsed.ok && parsed.message).toContain(message);
  });

  it('refuses a body nested deeper than any event, without recursing into it', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(parseExtensionEvent(deep)).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(parseStoredEvent(deep)).toMatchObject({ ok: false, code: 'invalid_json' });
    const inField = JSON.stringify({ ...JSON.parse(deployment), Extra: JSON.parse('['.repeat(MAX_EVENT_DEPTH) + ']'.repeat(MAX_EVENT_DEPTH)) });
    expect(parseExtensionEvent(inField)).toMatchObject({ ok: false, code: 'invalid_json' });
  });

  it('counts nesting outside strings only', () => {
    expect(nestsDeeperThan(JSON.stringify({ a: '[[[[[[{{{{\\"[[' }), 2)).toBe(false);
    expect(nestsDeeperThan('{"a":[[1]]}', 2)).toBe(true);
    expect(nestsDeeperThan('{"a":[[1]]}', 3)).toBe(false);
    expect(nestsDeeperThan('[[],[],[]]', 2)).toBe(false);
  });

  it('ends a string at a quote after an even run of backslashes, not an odd one', () => {
    // "x\\" ends at its last quote: the nesting after it counts.
    expect(nestsDeeperThan('{"a":"x\\\\","b":[[1]]}', 2)).toBe(true);
    // "x\\\"[[" is one string: the brackets are inside it.
    expect(nestsDeeperThan('{"a":"x\\\\\\"[[","b":1}', 1)).toBe(false);
    // An unterminated string hides nothing after it from the parse, which refuses the text anyway.
    expect(nestsDeeperThan('{"a":"[[[[', 1)).toBe(false);
  });

  it('measures the depth JSON.parse finds, whatever the strings hold', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = ['"', '\\', '[', ']', '{', '}', 'a', '\\"', '\\\\'];
    const text = () => Array.from({ length: Math.floor(random() * 6) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 6 || r < 0.3) return text();
      if (r < 0.65) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 3) }, () => [text(), value(depth + 1)]));
    };
    const depthOf = (v: unknown): number =>
      v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depthOf)) : 0;
    for (let i = 0; i < 2000; i++) {
      const v = value(0);
      const json = JSON.stringify(v);
      const depth = depthOf(JSON.parse(json));
      expect(nestsDeeperThan(json, depth), json).toBe(false);
      if (depth > 0) expect(nestsDeeperThan(json, depth - 1), json).toBe(true);
    }
  });

  it('builds the backfill as a stored event the worker reads as a document', () => {
    const content = new TextEncoder().encode('{"version":"1","flags":{},"values":{}}');
    const event = backfillEvent(
      { applicationId: 'abc1234', applicationName: 'shop', configurationProfileId: 'ijk7890', configurationProfileName: 'release-flags' },
      { version: 7, content, description: 'latest' },
    );
    const back = parseStoredEvent(storedPayload(event));
    expect(back).toEqual({ ok: true, event });
    expect(back.ok && back.event).toMatchObject({ Type: 'Backfill', InvocationId: 'backfill-7', ContentVersion: '7' });
  });
});
