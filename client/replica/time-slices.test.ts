import { describe, expect, it } from 'vitest';
import { inTimeSlices } from './time-slices.ts';

describe('inTimeSlices', () => {
  it('runs every step once, in order, yielding to other work before each slice', async () => {
    const seen: number[] = [];
    let otherTurns = 0;
    let running = true;
    const other = (async () => {
      while (running) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        otherTurns++;
      }
    })();
    await inTimeSlices(10, (i) => seen.push(i), { maxSteps: 3 });
    running = false;
    await other;
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(otherTurns).toBeGreaterThanOrEqual(4);
  });

  it('ends a slice once its time budget is spent, whatever the row count', async () => {
    const slices: number[] = [];
    let current = 0;
    const busy = (ms: number): void => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    await inTimeSlices(64, () => (current++, busy(1)), {
      budgetMs: 4,
      wrap: (slice) => {
        current = 0;
        slice();
        slices.push(current);
      },
    });
    expect(slices.reduce((a, b) => a + b, 0)).toBe(64);
    // Checked every 8 steps: a slice stops after 8 (or 16 on a slow check), never runs all 64.
    expect(Math.max(...slices)).toBeLessThanOrEqual(16);
    expect(slices.length).toBeGreaterThanOrEqual(4);
  });

  it('stops at the first step that throws, inside its slice', async () => {
    const seen: number[] = [];
    await expect(
      inTimeSlices(10, (i) => {
        if (i === 5) throw new Error('stop');
        seen.push(i);
      }),
    ).rejects.toThrow('stop');
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});
