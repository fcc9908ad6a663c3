/** Options resolved into the configuration an index runs with (and the kernel it runs on). */
import type { BuildTarget } from './build.ts';
import { MatchError } from './errors.ts';
import { jsKernel, type MatchKernel } from './kernel.ts';
import { wasmKernel } from './kernel-wasm.ts';
import type { Route } from './segment.ts';
import type { HammingIndexOptions } from './types.ts';
import { checkThreshold } from './validate.ts';

export interface IndexConfig extends BuildTarget {
  /** Internal: forces the probe or scan path (tests, baselines); 'auto' asks the cost model. */
  readonly route?: Route;
  /** Internal: 'js' runs the JS kernel even over WebAssembly memories (tests compare the two). */
  readonly kernelPath?: 'auto' | 'js';
  readonly autoCompact: boolean;
  readonly schedule: (work: () => void) => void;
  readonly sliceMs: number;
  readonly tailCapacity: number;
}

export async function resolveConfig(options: HammingIndexOptions): Promise<IndexConfig> {
  const bits: unknown = options.bits;
  if (bits !== 64 && bits !== 256) throw new MatchError('MATCH_BAD_OPTIONS', 'bits must be 64 or 256');
  const threshold = checkThreshold(bits, options.threshold ?? (bits === 256 ? 31 : 8));
  const maxBytesPerIndicator = options.maxBytesPerIndicator ?? 96;
  const tailCapacity = options.tailCapacity ?? 4096;
  const sliceMs = options.sliceMs ?? 8;
  if (!(maxBytesPerIndicator > 0) || !Number.isInteger(tailCapacity) || tailCapacity < 1 || tailCapacity > 1 << 20 || !(sliceMs > 0)) {
    throw new MatchError('MATCH_BAD_OPTIONS', 'maxBytesPerIndicator and sliceMs must be positive, tailCapacity from 1 to 2^20');
  }
  const engine = options.engine ?? 'auto';
  let kernel: MatchKernel = jsKernel;
  if (engine !== 'js') {
    try {
      kernel = await wasmKernel();
    } catch (error) {
      if (engine === 'wasm') throw error;
    }
  }
  return {
    kernel,
    bits,
    threshold,
    maxBytesPerIndicator,
    autoCompact: options.autoCompact ?? true,
    schedule: options.schedule ?? ((work) => void setImmediate(work)),
    sliceMs,
    tailCapacity,
  };
}
