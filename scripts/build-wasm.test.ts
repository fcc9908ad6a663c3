import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileWat, WASM_PATH, WAT_PATH } from './build-wasm.ts';

describe('the committed matching kernel binary', () => {
  describe('when match.wat is compiled again', () => {
    it('gives exactly the bytes of the committed match.wasm (run npm run build:wasm after editing match.wat)', async () => {
      expect(existsSync(WASM_PATH)).toBe(true);
      const compiled = await compileWat(readFileSync(WAT_PATH, 'utf8'));
      expect(Buffer.from(readFileSync(WASM_PATH)).equals(Buffer.from(compiled))).toBe(true);
    });
  });
});
