/**
 * The Markdown report: the setup, the false-positive table, the targets
 * from issue 6 with a verdict each, where each matcher breaks down, the
 * full true-positive table, a per-family view, and the figures.
 */
import { chooseThreshold, FPR_TARGET, type ThresholdPoint } from './thresholds.ts';
import type { Plot } from './plots.ts';
import type { AccuracyResult, CaseResult, MatcherSummary } from './types.ts';

const fmtRate = (v: number): string => (Number.isNaN(v) ? 'n/a' : v === 0 ? '0' : v === 1 ? '1' : v < 0.001 ? v.toExponential(1) : v.toFixed(3));

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The worst (lowest) true-positive rate over cases, for a matcher, with the case it happens at. */
function worst(cases: readonly CaseResult[], matcher: string): { tpr: number; at: string; n: number } | null {
  let best: { tpr: number; at: string; n: number } | null = null;
  for (const c of cases) {
    const r = c.results[matcher];
    if (r === undefined || r.eligible === 0) continue;
    if (best === null || r.tpr.rate < best.tpr) best = { tpr: r.tpr.rate, at: `${c.transform} ${c.label}`, n: r.eligible };
  }
  return best;
}

interface Target {
  readonly name: string;
  readonly matcher: string;
  readonly cases: (c: CaseResult) => boolean;
}

const TARGET_TPR = 0.99;
const TARGET_FPR = 1e-4;

const TARGETS: readonly Target[] = [
  { name: 'JPEG quality >= 50', matcher: 'pdq', cases: (c) => c.transform === 'jpeg' && c.strength >= 50 },
  { name: 'resize >= 0.5x', matcher: 'pdq', cases: (c) => c.transform === 'resize' && c.strength >= 0.5 },
  { name: 'rotations 90/180/270 (dihedral matching)', matcher: 'pdq+dihedral', cases: (c) => c.transform === 'rotate' },
  { name: 'mirrors (dihedral matching)', matcher: 'pdq+dihedral', cases: (c) => c.transform === 'mirror' },
  { name: 'greyscale', matcher: 'pdq', cases: (c) => c.transform === 'greyscale' },
];

function targetsSection(result: AccuracyResult): string {
  const names = new Set(result.matchers.map((m) => m.name));
  if (!names.has('pdq')) return '';
  const rows: string[][] = [];
  for (const name of ['pdq', 'pdq+dihedral']) {
    const fp = result.falsePositives[name];
    if (fp === undefined) continue;
    rows.push([`false-positive rate <= 1e-4 (${name})`, `${fmtRate(fp.fpr.rate)} (${fp.falsePositives} of ${fp.pairs} pairs; 95 % bound ${fmtRate(fp.fpr.upper95)})`, fp.fpr.rate <= TARGET_FPR ? (fp.fpr.upper95 <= TARGET_FPR ? 'met' : 'met (bound above target: more pairs needed)') : '**missed**']);
  }
  for (const t of TARGETS) {
    if (!names.has(t.matcher)) continue;
    const w = worst(result.cases.filter(t.cases), t.matcher);
    if (w === null) {
      rows.push([`TPR >= 0.99, ${t.name} (${t.matcher})`, 'not run', '']);
      continue;
    }
    rows.push([`TPR >= 0.99, ${t.name} (${t.matcher})`, `worst ${fmtRate(w.tpr)} at ${w.at} (n = ${w.n})`, w.tpr >= TARGET_TPR ? 'met' : '**missed**']);
  }
  return `## Targets (issue 6, PDQ at its default threshold)\n\n${table(['target', 'measured', 'verdict'], rows)}\n`;
}

/** For each transform, the strengths at which a matcher falls below 0.99 and below 0.9. */
function breakdownSection(result: AccuracyResult, matcher: MatcherSummary): string {
  const transforms = [...new Set(result.cases.map((c) => c.transform))];
  const rows: string[][] = [];
  for (const t of transforms) {
    const cases = result.cases.filter((c) => c.transform === t);
    const below = (limit: number): string =>
      cases.filter((c) => (c.results[matcher.name]?.tpr.rate ?? 1) < limit).map((c) => c.label).join(', ') || 'none';
    rows.push([t, below(TARGET_TPR), below(0.9), below(0.5)]);
  }
  return `### ${matcher.name} (threshold ${matcher.threshold})\n\n${table(['transform', 'TPR < 0.99 at', 'TPR < 0.9 at', 'TPR < 0.5 at'], rows)}\n`;
}

/** Whether an original can be an indicator for a matcher (its hash passes the quality floor). */
function eligible(m: MatcherSummary, quality: Readonly<Record<string, number>>): boolean {
  return m.qualityFloor === null || (quality[m.hasher] ?? 0) >= m.qualityFloor;
}

function familySection(result: AccuracyResult): string {
  const families = [...new Set(result.originals.map((o) => o.family))];
  const pdq = result.matchers.find((m) => m.name === 'pdq');
  const rows = families.map((family) => {
    const members = result.originals.filter((o) => o.family === family);
    const row = [family, String(members.length)];
    if (pdq !== undefined) {
      const qualities = members.map((o) => o.quality[pdq.hasher]).filter((q): q is number => q !== undefined).sort((a, b) => a - b);
      const floor = pdq.qualityFloor ?? 0;
      row.push(qualities.length === 0 ? 'n/a' : `${qualities[0]} / ${qualities[qualities.length >> 1]} / ${qualities[qualities.length - 1]}`);
      row.push(String(qualities.filter((q) => q < floor).length));
    }
    // True-positive rate over all cases for this family's re-uploads, per matcher.
    for (const m of result.matchers) {
      let hits = 0;
      let total = 0;
      for (const c of result.cases) {
        c.results[m.name]?.distances.forEach((d, i) => {
          const original = result.originals[i];
          if (original?.family !== family || !eligible(m, original.quality)) return;
          total++;
          if (d !== null && d <= m.threshold) hits++;
        });
      }
      row.push(total === 0 ? 'n/a' : fmtRate(hits / total));
    }
    return row;
  });
  const header = ['family', 'originals', ...(pdq !== undefined ? ['PDQ quality min / median / max', 'below floor'] : []), ...result.matchers.map((m) => `${m.name} TPR, all cases`)];
  return `## By image family\n\n${table(header, rows)}\n`;
}

/** The cases the headline table shows (when they were run): a few strengths of each transform. */
const HEADLINE: readonly (readonly [string, number])[] = [
  ['jpeg', 90], ['jpeg', 50], ['jpeg', 20],
  ['format', 2], ['format', 3], ['format', 4],
  ['resize', 0.25], ['resize', 0.5], ['resize', 2],
  ['crop', 1], ['crop', 2], ['crop', 5], ['crop', 10], ['crop-offset', 2], ['crop-offset', 5],
  ['rotate', 90], ['rotate', 180], ['mirror', 1], ['mirror', 2], ['mirror', 3],
  ['rotate-small', 1], ['rotate-small', 2], ['rotate-small', 5],
  ['brightness', -0.15], ['brightness', 0.15], ['contrast', 1.3], ['gamma', 1.5], ['saturation', 0.5], ['greyscale', 1], ['greyscale', 2],
  ['blur', 0.5], ['blur', 2], ['sharpen', 1], ['noise', 10], ['noise', 40],
  ['caption', 0.2], ['text-overlay', 0.1], ['watermark', 0.2], ['watermark', 0.5], ['logo', 0.1], ['logo', 0.25],
  ['border', 0.02], ['border', 0.1], ['letterbox', 0.25], ['pillarbox', 0.25], ['stretch', 0.8], ['stretch', 1.25],
  ['screenshot', 0.75], ['screenshot', 0.45],
  ['chain-repost', 1], ['chain-repost', 3], ['chain-edit', 1], ['chain-edit', 3], ['chain-meme', 1], ['chain-meme', 3],
];

function tprTable(result: AccuracyResult, cases: readonly CaseResult[]): string {
  const header = ['transform', 'strength', ...result.matchers.map((m) => m.name)];
  const rows = cases.map((c) => [
    c.transform,
    c.label,
    ...result.matchers.map((m) => {
      const r = c.results[m.name];
      return r === undefined ? 'n/a' : fmtRate(r.tpr.rate);
    }),
  ]);
  return table(header, rows);
}

/** The ROC read as thresholds (thresholds.ts), for every registry matcher without variants. */
function thresholdSection(result: AccuracyResult): string {
  const rows = result.matchers
    .filter((m) => m.origin === 'registry' && !m.name.includes('+'))
    .map((m) => {
      const choice = chooseThreshold(result, m.name, Math.floor(m.bits / 4));
      const at = (t: number | null) => (t === null ? undefined : choice.points[t]);
      const current = at(m.threshold);
      const chosen = at(choice.chosen);
      const fpr = (p: ThresholdPoint | undefined) => (p === undefined ? 'n/a' : `${fmtRate(p.fpr.rate)} (bound ${fmtRate(p.fpr.upper95)})`);
      return [m.name, String(m.threshold), fpr(current), current === undefined ? 'n/a' : current.meanTpr.toFixed(3), choice.chosen === null ? 'none' : String(choice.chosen), fpr(chosen), chosen === undefined ? 'n/a' : chosen.meanTpr.toFixed(3)];
    });
  return (
    `## Thresholds from the ROC

${table(['matcher', 'threshold', 'FPR', 'mean TPR', `largest threshold with bound <= ${FPR_TARGET}`, 'its FPR', 'its mean TPR'], rows)}

` +
    'Mean TPR: the mean over every case of the share of eligible re-uploads within the threshold. A threshold qualifies when the exact 95 % upper bound of its false-positive rate is at most the target; ' +
    `with fewer than about ${Math.ceil(3.7 / FPR_TARGET).toLocaleString('en')} pairs none can.
`
  );
}

export function renderReport(result: AccuracyResult, plots: readonly Plot[], command: string): string {
  const { meta } = result;
  const parts: string[] = [];
  parts.push(`# Matching accuracy\n`);
  parts.push(
    `Generated ${meta.generatedAt} in ${meta.seconds} s on ${meta.machine.cpus} CPUs (${meta.machine.platform}, Node ${meta.machine.node}, sharp ${meta.machine.sharp}).\n\n` +
      `Originals: ${meta.source.description}; seed ${meta.seed}; ${meta.originals} originals, the first ${meta.transformed} of them re-uploaded through ` +
      `${result.cases.length} transform cases (${meta.transformed * result.cases.length} re-uploads). Reproduce with \`${command}\`.\n\n` +
      (meta.source.kind === 'synthetic' ? 'All images are synthetic (fixtures/); no real imagery of any kind is used.\n' : 'Images from a folder given with --images.\n'),
  );
  parts.push(
    `## Matchers\n\n${table(
      ['matcher', 'hash', 'bits', 'threshold', 'quality floor', 'origin', 'note'],
      result.matchers.map((m) => [m.name, m.hasher, String(m.bits), String(m.threshold), m.qualityFloor === null ? '-' : String(m.qualityFloor), m.origin, m.note]),
    )}\n\n` +
      'A match is distance <= threshold. Where a hash has a quality floor, originals below it are not indicators (left out of both rates) and a re-upload below it counts as a miss. ' +
      'Dihedral matching takes the smallest distance over the original\'s eight rotations and reflections.\n',
  );
  parts.push(
    `## False positives between distinct originals\n\n${table(
      ['matcher', 'threshold', 'pairs', 'false positives', 'FPR', '95 % upper bound', 'closest distinct pair'],
      result.matchers.map((m) => {
        const fp = result.falsePositives[m.name];
        if (fp === undefined) return [m.name, String(m.threshold), '0', '0', 'n/a', 'n/a', 'n/a'];
        const c = fp.closest[0];
        return [m.name, String(m.threshold), String(fp.pairs), String(fp.falsePositives), fmtRate(fp.fpr.rate), fmtRate(fp.fpr.upper95), c === undefined ? 'n/a' : `${c.distance} (${c.a} / ${c.b})`];
      }),
    )}\n`,
  );
  parts.push(thresholdSection(result));
  const targets = targetsSection(result);
  if (targets !== '') parts.push(targets);
  const eligible = result.matchers.map((m) => `${m.name} ${result.cases[0]?.results[m.name]?.eligible ?? 0}`).join(', ');
  const headline = HEADLINE.flatMap(([t, s]) => result.cases.filter((c) => c.transform === t && c.strength === s));
  if (headline.length > 0 && headline.length < result.cases.length) {
    parts.push(`## Headline: true-positive rate at the default threshold\n\nA selection of cases; the full table follows. Originals per case (eligible): ${eligible}.\n\n${tprTable(result, headline)}\n`);
  }
  parts.push(`## Where each matcher breaks down\n\n${result.matchers.map((m) => breakdownSection(result, m)).join('\n')}`);
  parts.push(`## True-positive rate at the default threshold, every case\n\nOriginals per case (eligible): ${eligible}.\n\n${tprTable(result, result.cases)}\n`);
  parts.push(familySection(result));
  const failures = result.cases.filter((c) => c.failed > 0);
  if (failures.length > 0) {
    parts.push(`## Failed re-uploads (counted as misses)\n\n${failures.map((c) => `- ${c.transform} ${c.label}: ${c.failed} (${c.errors[0] ?? ''})`).join('\n')}\n`);
  }
  parts.push(`## Figures\n\n${plots.map((p) => `### ${p.title}\n\n![${p.title}](${p.file})\n`).join('\n')}`);
  return `${parts.join('\n')}`;
}
