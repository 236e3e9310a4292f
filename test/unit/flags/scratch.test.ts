import fc from 'fast-check';
import { it } from 'vitest';
import { issueDescription } from '../../../src/flags/render/description.js';
import { validateAdf } from './adf-schema.js';
import { anyFlagArb } from './arbitraries.js';
it('time', () => {
  validateAdf({});
  const flags = fc.sample(anyFlagArb, 100);
  const ctx = { accountId: '1', region: 'r', applicationId: 'a', configurationProfileId: 'p' };
  let t = Date.now(); const docs = flags.map(f => issueDescription(f, ctx)); console.log('render', Date.now() - t);
  t = Date.now(); docs.forEach(d => validateAdf(d)); console.log('validate', Date.now() - t);
  t = Date.now(); fc.sample(anyFlagArb, 100); console.log('gen', Date.now() - t);
});
