/**
 * Loads the committed wasm/match.wasm (built from wasm/match.wat by
 * `npm run build:wasm`; a test checks the two agree byte for byte), compiles
 * it once per process and hands out segment memories bound to an instance.
 * No compiler at run time: a production install has no devDependencies.
 */
import { readFileSync } from 'node:fs';
import { MatchError } from './errors.ts';
import { viewsOf, type MatchKernel, type WasmSegmentExports } from './kernel.ts';

const WASM_PAGE = 65536;

/** The part of the WebAssembly JS API the kernel uses (absent, e.g., under node --jitless). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
  readonly Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
}

function isWasmApi(value: unknown): value is WasmApi {
  if (typeof value !== 'object' || value === null) return false;
  return ['Module', 'Instance', 'Memory'].every((name) => typeof Reflect.get(value, name) === 'function');
}

let compiling: Promise<MatchKernel> | null = null;

function isExports(value: unknown): value is WasmSegmentExports {
  if (typeof value !== 'object' || value === null) return false;
  return ['mih_search', 'scan', 'build_count', 'build_prefix', 'build_scatter', 'build_restore'].every(
    (name) => typeof Reflect.get(value, name) === 'function',
  );
}

async function compile(): Promise<MatchKernel> {
  const started = performance.now();
  const api: unknown = Reflect.get(globalThis, 'WebAssembly');
  if (!isWasmApi(api)) throw new Error('this runtime has no WebAssembly');
  const binary = readFileSync(new URL('./wasm/match.wasm', import.meta.url));
  const module = new api.Module(binary);
  const compileMs = performance.now() - started;
  return {
    engine: 'wasm',
    compileMs,
    allocate(bytes) {
      const pages = Math.ceil(bytes / WASM_PAGE);
      const memory = new api.Memory({ initial: pages, maximum: pages });
      const instance = new api.Instance(module, { env: { memory } });
      if (!isExports(instance.exports)) throw new MatchError('MATCH_WASM_UNAVAILABLE', 'kernel exports are missing');
      return viewsOf(memory.buffer, instance.exports);
    },
  };
}

/** The WebAssembly kernel, compiled once per process; rejects with MATCH_WASM_UNAVAILABLE. */
export function wasmKernel(): Promise<MatchKernel> {
  compiling ??= compile().catch((cause: unknown) => {
    compiling = null;
    throw new MatchError('MATCH_WASM_UNAVAILABLE', 'the WebAssembly matching kernel could not be compiled', { cause });
  });
  return compiling;
}
