/**
 * The two kernels behind a segment: WebAssembly (wasm/match.wat, one instance
 * per segment over its own memory) and plain JS (kernel-js.ts) over the same
 * bytes. Both write the same results and counters; the JS one is the fallback
 * where WebAssembly is unavailable and when the WASM out buffer overflows.
 */
export type Engine = 'wasm' | 'js';

export interface WasmSegmentExports {
  mih_search(variants: number, threshold: number): number;
  scan(variants: number, threshold: number): number;
  build_count(slot: number, from: number, to: number): void;
  build_prefix(slot: number): void;
  build_scatter(slot: number, from: number, to: number): void;
  build_restore(slot: number): void;
}

/** A segment's bytes and the views the JS side reads them through. */
export interface SegmentMemory {
  readonly buffer: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  /** The kernel instance bound to this memory; null for plain JS memory. */
  readonly wasm: WasmSegmentExports | null;
}

export interface MatchKernel {
  readonly engine: Engine;
  /** Milliseconds spent compiling the kernel at start-up (0 for JS). */
  readonly compileMs: number;
  /** A zeroed memory of `bytes` bytes (a multiple of 64 KiB). */
  allocate(bytes: number): SegmentMemory;
}

export function viewsOf(buffer: ArrayBuffer, wasm: WasmSegmentExports | null): SegmentMemory {
  return { buffer, u8: new Uint8Array(buffer), u32: new Uint32Array(buffer), i32: new Int32Array(buffer), wasm };
}

export const jsKernel: MatchKernel = {
  engine: 'js',
  compileMs: 0,
  allocate: (bytes) => viewsOf(new ArrayBuffer(bytes), null),
};
