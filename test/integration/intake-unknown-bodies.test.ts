/**
 * Bodies sent to ids that have no association (made up by anyone, or removed) under a header that
 * looks like a current signature. The app must read such a body to know whether it signed it (410 for
 * its own removed association, 404 otherwise), but it keeps none of it: many large bodies at once,
 * from a sender who knows no id and no secret, cost the app no memory.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { sleep } from '../support/wait.js';

// A full collection before each reading, so that what is measured is what the app still holds. V8
// frees the memory of collected buffers on a background thread: the least of a few readings is taken.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
async function heldBytes(): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 5; i++) {
    gc();
    await sleep(50);
    least = Math.min(least, process.memoryUsage().arrayBuffers);
  }
  return least;
}

const SENDERS = 16;
const BODY_BYTES = 4 * 1024 * 1024;
const MIB = 1024 * 1024;

/** A POST whose body is all sent but its last byte; `finish` sends it and gives the answer. */
function almostSent(url: string, body: Buffer): Promise<{ finish(): Promise<{ status: number; text: string }> }> {
  const now = Math.floor(Date.now() / 1000);
  const req = http.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-appconfig-signature': `t=${now},v1=${'0'.repeat(64)}` },
  });
  // Settled however the test ends (a failed assertion closes the app under it): never left unhandled.
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
  });
  return new Promise((resolve) => {
    req.write(body.subarray(0, body.length - 1), () =>
      resolve({
        finish: () => {
          req.end(body.subarray(body.length - 1));
          return answer;
        },
      }),
    );
  });
}

describe.each(databaseKinds)('intake keeps no body of an id without an association (%s)', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ db: kind, worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`${SENDERS} senders of 4 MiB bodies to made-up ids: the app holds none of them, and each gets 404`, async () => {
    const body = Buffer.alloc(BODY_BYTES, 0x20); // one buffer, shared by every sender
    const before = await heldBytes();
    const senders = await Promise.all(
      Array.from({ length: SENDERS }, () => almostSent(`${h.service.url}/api/associations/${crypto.randomUUID()}/events`, body)),
    );
    // Every byte but the last is written; give the app time to read what the sockets hold.
    await sleep(500);
    const held = (await heldBytes()) - before;
    const answers = await Promise.all(senders.map((s) => s.finish().catch((err: Error) => ({ status: 0, text: err.message }))));
    // Kept, the bodies would be 64 MiB.
    expect(held / MIB, `the app held ${(held / MIB).toFixed(1)} MiB of ${(SENDERS * BODY_BYTES) / MIB} MiB sent`).toBeLessThan(16);
    expect(answers.map((a) => a.status)).toEqual(Array(SENDERS).fill(404));
    expect(JSON.parse(answers[0]!.text)).toEqual({ error: { code: 'association_not_found', message: expect.any(String) } });
  }, 30_000);
});
