/**
 * The files in test/fixtures: two feature-flag documents (version 1 and the version 2 that changes it)
 * and one AppConfig event of each kind as the forwarder receives it. Read once, handed out as fresh copies.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FlagDocument } from '../../src/flags/model.js';
import { parseFlagDocument } from '../../src/flags/parse.js';
import { projectRoot } from '../../src/paths.js';

export type FixtureName = 'flags-v1.json' | 'flags-v2.json' | 'event-pre-create.json' | 'event-deployment-complete.json';

const texts = new Map<FixtureName, string>();

export function fixtureText(name: FixtureName): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(projectRoot, 'test', 'fixtures', name), 'utf8');
    texts.set(name, text);
  }
  return text;
}

/** A fresh parsed copy (callers may change it). */
export const fixtureJson = (name: FixtureName): Record<string, unknown> => JSON.parse(fixtureText(name)) as Record<string, unknown>;

export const flagsV1 = (): Record<string, unknown> => fixtureJson('flags-v1.json');
export const flagsV2 = (): Record<string, unknown> => fixtureJson('flags-v2.json');

/** A flag document fixture as the app's parser reads it. */
export function fixtureDocument(name: 'flags-v1.json' | 'flags-v2.json'): FlagDocument {
  const result = parseFlagDocument(fixtureText(name));
  if (!result.ok) throw new Error(`fixture ${name} does not parse: ${JSON.stringify(result.errors)}`);
  return result.document;
}
