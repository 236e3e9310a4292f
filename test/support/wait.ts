/** Waiting in tests: polling for a condition with a deadline, and a plain pause. */

/**
 * Polls `check` every `everyMs` until it returns a truthy value, and returns that value; throws naming
 * `what` once `timeoutMs` has passed. A check that throws fails the wait at once.
 */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 20_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
