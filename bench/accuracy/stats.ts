/**
 * The arithmetic of the accuracy report: distance histograms, rates at a
 * threshold, ROC points over all thresholds, and exact binomial confidence
 * bounds (a rate of 0 out of n pairs is a bound, not a proof of zero).
 */

/** Counts of each distance 0..bits (distances outside are clamped; none should be). */
export function histogram(distances: Iterable<number>, bits: number): number[] {
  const counts = new Array<number>(bits + 1).fill(0);
  for (const d of distances) {
    const i = Math.max(0, Math.min(bits, Math.round(d)));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/** Running totals: element t is how many distances are <= t. */
export function cumulative(counts: readonly number[]): number[] {
  let sum = 0;
  return counts.map((c) => (sum += c));
}

/** Adds histograms of equal length. */
export function addHistograms(a: readonly number[], b: readonly number[]): number[] {
  return a.map((v, i) => v + (b[i] ?? 0));
}

export interface Rate {
  readonly k: number;
  readonly n: number;
  /** k / n, NaN for n = 0. */
  readonly rate: number;
  /** Two-sided 95 % Clopper-Pearson interval. */
  readonly lower95: number;
  readonly upper95: number;
}

export function rate(k: number, n: number): Rate {
  if (n === 0) return { k, n, rate: Number.NaN, lower95: Number.NaN, upper95: Number.NaN };
  const [lower95, upper95] = clopperPearson(k, n, 0.05);
  return { k, n, rate: k / n, lower95, upper95 };
}

/** log P(X <= k) for X ~ Binomial(n, p), summed in log space (n may be 10^5 and more). */
function logBinomialCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return k >= n ? 0 : -Infinity;
  const logRatio = Math.log(p) - Math.log1p(-p);
  let logTerm = n * Math.log1p(-p);
  let max = logTerm;
  const terms = [logTerm];
  for (let i = 0; i < k; i++) {
    logTerm += Math.log((n - i) / (i + 1)) + logRatio;
    terms.push(logTerm);
    if (logTerm > max) max = logTerm;
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return max + Math.log(sum);
}

/** The p at which P(X <= k) falls to `target` (decreasing in p), by bisection. */
function solveUpper(k: number, n: number, target: number): number {
  let lo = 0;
  let hi = 1;
  const logTarget = Math.log(target);
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (logBinomialCdf(k, n, mid) > logTarget) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Exact (Clopper-Pearson) two-sided interval at level 1 - alpha. */
export function clopperPearson(k: number, n: number, alpha: number): [number, number] {
  const upper = k >= n ? 1 : solveUpper(k, n, alpha / 2);
  // P(X >= k) = alpha/2  <=>  P(X <= k - 1) = 1 - alpha/2.
  const lower = k <= 0 ? 0 : solveUpper(k - 1, n, 1 - alpha / 2);
  return [lower, upper];
}

export interface RocPoint {
  readonly threshold: number;
  readonly tpr: number;
  readonly fpr: number;
}

/**
 * ROC over every threshold 0..bits from two histograms of distances: for
 * the same picture (a hit when <= threshold) and for distinct pictures (a
 * false positive when <= threshold). `missesOutside` counts same-picture
 * pairs that can never match (e.g. below the quality floor).
 */
export function roc(same: readonly number[], different: readonly number[], missesOutside = 0): RocPoint[] {
  const sameCum = cumulative(same);
  const diffCum = cumulative(different);
  const sameTotal = (sameCum[sameCum.length - 1] ?? 0) + missesOutside;
  const diffTotal = diffCum[diffCum.length - 1] ?? 0;
  return sameCum.map((hits, threshold) => ({
    threshold,
    tpr: sameTotal === 0 ? Number.NaN : hits / sameTotal,
    fpr: diffTotal === 0 ? Number.NaN : (diffCum[threshold] ?? 0) / diffTotal,
  }));
}

/** Popcount of XOR over equal-length byte strings. */
export function hamming(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`hash lengths differ: ${a.length} and ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = (a[i] ?? 0) ^ (b[i] ?? 0);
    x -= (x >> 1) & 0x55;
    x = (x & 0x33) + ((x >> 2) & 0x33);
    d += (x + (x >> 4)) & 0x0f;
  }
  return d;
}
