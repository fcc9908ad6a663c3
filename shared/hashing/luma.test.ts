import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lumaFromPixels } from './luma.ts';

describe('lumaFromPixels', () => {
  it('takes grey values as they are, ignoring alpha', () => {
    const grey = lumaFromPixels({ width: 3, height: 1, channels: 2, data: Uint8Array.of(0, 255, 37, 0, 255, 9) });
    expect(Array.from(grey.data)).toEqual([0, 37, 255]);
  });

  it("computes 0.299 R + 0.587 G + 0.114 B in the reference's float32 steps, ignoring alpha", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (r, g, b, a) => {
        const f = Math.fround;
        const expected = f(f(f(f(0.299) * r) + f(f(0.587) * g)) + f(f(0.114) * b));
        expect(lumaFromPixels({ width: 1, height: 1, channels: 3, data: Uint8Array.of(r, g, b) }).data[0]).toBe(expected);
        expect(lumaFromPixels({ width: 1, height: 1, channels: 4, data: Uint8Array.of(r, g, b, a) }).data[0]).toBe(expected);
      }),
    );
  });

  it('writes into a caller buffer when it is large enough', () => {
    const out = new Float32Array(10);
    const luma = lumaFromPixels({ width: 2, height: 2, channels: 1, data: Uint8Array.of(1, 2, 3, 4) }, out);
    expect(luma.data.buffer).toBe(out.buffer);
    expect(Array.from(luma.data)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a buffer shorter than its dimensions', () => {
    expect(() => lumaFromPixels({ width: 4, height: 4, channels: 3, data: new Uint8Array(47) })).toThrow(RangeError);
  });
});
