import { describe, expect, it } from 'vitest';
import { UnmarkedEvents, type ProcessedEvent } from '../../../src/worker/unmarked-events.js';

const processed = (id: number): ProcessedEvent => ({
  event: { id, associationId: 'a', invocationId: `inv-${id}`, type: 'OnDeploymentStart', payload: '{}', attempts: 0, availableAt: new Date(0), receivedAt: new Date(0) },
  result: { ok: true },
});

function recorder() {
  const steps: string[] = [];
  const unmarked = new UnmarkedEvents(
    async () => {
      steps.push('save');
      await new Promise((r) => setTimeout(r, 5));
    },
    async (p) => {
      steps.push(`mark ${p.event.id}`);
    },
  );
  return { steps, unmarked };
}

describe('UnmarkedEvents', () => {
  it('saves what the events told the panel before it marks any of them', async () => {
    const { steps, unmarked } = recorder();
    [1, 2, 3].forEach((id) => unmarked.add(processed(id)));
    await unmarked.release();
    expect(steps).toEqual(['save', 'mark 1', 'mark 2', 'mark 3']);
    expect(unmarked.oldest).toBeUndefined();
  });

  it('before the publish keeps the last event unmarked, and marks it after', async () => {
    const { steps, unmarked } = recorder();
    [1, 2, 3].forEach((id) => unmarked.add(processed(id)));
    await unmarked.release(1);
    expect(steps).toEqual(['save', 'mark 1', 'mark 2']);
    expect(unmarked.oldest?.event.id).toBe(3);
    await unmarked.release();
    expect(steps.slice(3)).toEqual(['save', 'mark 3']);
  });

  it('writes starting together share one release: no write goes out before the marks are in', async () => {
    const { steps, unmarked } = recorder();
    [1, 2].forEach((id) => unmarked.add(processed(id)));
    const started: string[] = [];
    await Promise.all([1, 2, 3, 4].map(async (w) => {
      await unmarked.release();
      started.push(`write ${w} after ${steps.length} steps`);
    }));
    expect(steps).toEqual(['save', 'mark 1', 'mark 2']);
    expect(started.every((s) => s.endsWith('after 3 steps'))).toBe(true);
  });

  it('a failed save marks nothing, and the events stay for the next release', async () => {
    const marked: number[] = [];
    let fail = true;
    const unmarked = new UnmarkedEvents(
      async () => {
        if (fail) throw new Error('database down');
      },
      async (p) => {
        marked.push(p.event.id);
      },
    );
    unmarked.add(processed(1));
    await expect(unmarked.release()).rejects.toThrow('database down');
    expect(marked).toEqual([]);
    expect(unmarked.oldest?.event.id).toBe(1);
    fail = false;
    await unmarked.release();
    expect(marked).toEqual([1]);
  });
});
