import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALGORITHMS } from './contenders.ts';
import { type BenchmarkOutput, runBenchmark } from './benchmark.ts';
import { createContenders } from './contenders.ts';
import { AccuracyError } from './errors.ts';
import { type AccuracyOptions, parseCases, parseOptions, QUICK_SIZES } from './options.ts';
import { syntheticSource } from './sources.ts';

const out = mkdtempSync(join(tmpdir(), 'hashfeed-accuracy-'));
let options: AccuracyOptions;
let run: BenchmarkOutput;

beforeAll(async () => {
  const parsed = parseOptions(['--quick', '--out', out], out);
  if (parsed === 'help') throw new Error('unexpected help');
  options = parsed;
  run = await runBenchmark(options, 'npm run bench:accuracy -- --quick');
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the accuracy benchmark in quick mode', () => {
  it('runs every perceptual registry algorithm, PDQ with dihedral matching, and the baseline', () => {
    const names = run.result.matchers.map((m) => m.name);
    for (const a of ALGORITHMS.filter((x) => x.kind === 'perceptual')) expect(names).toContain(a.name);
    expect(names).toContain('pdq+dihedral');
    expect(names).toContain('sharp-phash');
    expect(names).not.toContain('md5');
  });

  it('compares every pair of distinct eligible originals', () => {
    for (const m of run.result.matchers) {
      const eligible = run.result.originals.filter((o) => m.qualityFloor === null || (o.quality[m.hasher] ?? 0) >= m.qualityFloor).length;
      expect(run.result.falsePositives[m.name]?.pairs).toBe((eligible * (eligible - 1)) / 2);
    }
  });

  describe('when a picture is re-uploaded rotated or mirrored', () => {
    it('matches within 10 bits under PDQ with dihedral matching', () => {
      const dihedral = run.result.cases.filter((c) => c.family === 'dihedral');
      expect(dihedral).toHaveLength(7);
      for (const c of dihedral) {
        const distances = c.results['pdq+dihedral']?.distances.filter((d): d is number => d !== null) ?? [];
        // Every original above PDQ's quality floor is compared (the low-detail one is not), unless its
        // copy fell below the floor: one original sits at exactly 50, and some rotations of it hash at 49.
        const result = c.results['pdq+dihedral'];
        expect(distances.length + (result?.belowFloor ?? 0)).toBe(result?.eligible);
        expect(result?.belowFloor).toBeLessThanOrEqual(1);
        expect(distances.length).toBeGreaterThanOrEqual(4);
        expect(Math.max(...distances)).toBeLessThanOrEqual(10);
      }
    });
  });

  describe('when the identical picture is hashed again', () => {
    it('is at distance 0 for every matcher', async () => {
      const contenders = await createContenders({ mode: options.decode });
      const source = syntheticSource({ seed: options.seed, count: 3, minSide: 256, maxSide: 4000, sizes: QUICK_SIZES });
      for (let i = 0; i < source.count; i++) {
        const { bytes } = await source.load(i);
        const first = await contenders.hashAll(bytes);
        const second = await contenders.hashAll(Buffer.from(bytes));
        for (const m of contenders.matchers) {
          const a = first.get(m.hasher);
          const b = second.get(m.hasher);
          if (a === undefined || b === undefined) throw new Error(`no ${m.hasher} value`);
          expect(m.distance(a, b)).toBe(0);
        }
      }
    });
  });

  describe('its output', () => {
    it('is a JSON record with one result per case and matcher', () => {
      const json: unknown = JSON.parse(readFileSync(join(out, 'accuracy.json'), 'utf8'));
      expect(json).toMatchObject({ meta: { originals: 6, transformed: 6, source: { kind: 'synthetic' } } });
      expect(run.result.cases).toHaveLength(parseCases('rotate,mirror,jpeg:50,greyscale').length);
      for (const c of run.result.cases) {
        expect(Object.keys(c.results).sort()).toEqual(run.result.matchers.map((m) => m.name).sort());
        expect(c.failed).toBe(0);
      }
    });

    it('includes PNG figures that decode, each linked from the report', async () => {
      const report = readFileSync(join(out, 'report.md'), 'utf8');
      const figures = readdirSync(out).filter((f) => f.endsWith('.png'));
      for (const prefix of ['roc-dihedral', 'tpr-dihedral', 'roc-compression', 'hist-pdq']) {
        expect(figures.some((f) => f.startsWith(prefix))).toBe(true);
      }
      for (const f of figures) {
        const meta = await sharp(join(out, f)).metadata();
        expect(meta.format).toBe('png');
        expect(meta.width).toBeGreaterThan(300);
        expect(meta.height).toBeGreaterThan(200);
        expect(report).toContain(`](${f})`);
      }
    });

    it('reports false positives, the issue targets and the true-positive table', () => {
      const report = readFileSync(join(out, 'report.md'), 'utf8');
      expect(report).toContain('## False positives between distinct originals');
      expect(report).toContain('## Targets');
      expect(report).toMatch(/\| rotate \| 90° \| [0-9.]+ \| [0-9.]+ \|/);
    });
  });
});

describe('parseOptions', () => {
  it.each([
    [['--count', '1']],
    [['--count', 'many']],
    [['--transforms', 'sepia']],
    [['--transforms', 'rotate:45']],
    [['--families', 'faces']],
    [['--decode', 'slow']],
    [['--colour', 'blue']],
  ])('rejects %j', (argv) => {
    expect(() => parseOptions(argv, '/tmp/x')).toThrow();
  });

  it('reports a bad flag value with a code', () => {
    expect(() => parseOptions(['--jobs', '0'], '/tmp/x')).toThrow(expect.objectContaining({ code: 'ACCURACY_BAD_FLAG' }));
  });

  it('defaults to every transform at every strength', () => {
    const parsed = parseOptions([], '/tmp/x');
    if (parsed === 'help') throw new Error('unexpected help');
    expect(parsed.cases.length).toBeGreaterThan(100);
    expect(parsed.count).toBe(400);
    expect(parsed.transformed).toBe(60);
  });
});

describe('createContenders', () => {
  it('rejects an unknown matcher name, listing the available ones', async () => {
    await expect(createContenders({ mode: 'fast', names: ['ahash'] })).rejects.toThrow(AccuracyError);
    await expect(createContenders({ mode: 'fast', names: ['ahash'] })).rejects.toHaveProperty('code', 'ACCURACY_UNKNOWN_MATCHER');
  });

  it('runs an exact hash only when asked by name', async () => {
    const c = await createContenders({ mode: 'fast', names: ['md5', 'pdq'] });
    expect(c.matchers.map((m) => m.name)).toEqual(['pdq', 'md5']);
  });
});
