/**
 * Builds the matching kernel's WebAssembly from its source:
 * shared/match/wasm/match.wat -> shared/match/wasm/match.wasm (committed).
 * Run with `npm run build:wasm` after editing match.wat. Dev-time only: it
 * needs `wabt` (a devDependency); the running product loads the committed
 * binary and needs no compiler. build-wasm.test.ts checks that the
 * committed bytes are exactly what this compiles, so the binary cannot
 * drift from its source.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

export const WAT_PATH = fileURLToPath(new URL('../shared/match/wasm/match.wat', import.meta.url));
export const WASM_PATH = fileURLToPath(new URL('../shared/match/wasm/match.wasm', import.meta.url));

/** WebAssembly text to binary, with SIMD, no debug names: the same text gives the same bytes. */
export async function compileWat(source: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat('match.wat', source, { simd: true });
  try {
    parsed.resolveNames();
    parsed.validate();
    return parsed.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    parsed.destroy();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const binary = await compileWat(readFileSync(WAT_PATH, 'utf8'));
  writeFileSync(WASM_PATH, binary);
  process.stdout.write(`wrote ${WASM_PATH} (${binary.byteLength} bytes)\n`);
}
