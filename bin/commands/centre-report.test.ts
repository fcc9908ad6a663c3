import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedStatistics, type SeededSecrets } from '../../server/testing/statistics-fixture.ts';
import { createTestCentre, type TestCentre } from '../../server/testing/test-centre.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { run } from './centre.ts';

async function centre(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { status, stdout, stderr };
}

const CHARTS = ['decision-times-2027.png', 'list-size-2027.png', 'reports-per-month-2027.png'];
const MINUTE = 60_000;

describe('hashfeed centre report', () => {
  const dirs = tempDirs();
  let t: TestCentre;
  let secrets: SeededSecrets;
  beforeAll(async () => {
    t = createTestCentre();
    secrets = await seedStatistics(t);
  });
  afterAll(() => t?.close());
  afterEach(() => dirs.removeAll());

  const report = async (year: string, format: string): Promise<{ out: string; files: string[] }> => {
    const out = dirs.make('hf-report-');
    const { status, stdout, stderr } = await centre('report', '--year', year, '--format', format, '--out', out, '--data', t.dataDir);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const { files } = JSON.parse(stdout) as { files: string[] };
    expect(files.every((f) => f.startsWith(out))).toBe(true);
    return { out, files: readdirSync(out).sort() };
  };
  const read = (out: string, name: string): string => readFileSync(join(out, name), 'utf8');
  const noSecrets = (text: string): void => {
    for (const secret of secrets.strings) expect(text, secret).not.toContain(secret);
  };

  describe('when asked for JSON', () => {
    it('writes the months of the year the Centre has seen, their totals and the three charts', async () => {
      const { out, files } = await report('2027', 'json');
      expect(files).toEqual([...CHARTS, 'report-2027.json'].sort());
      const json = JSON.parse(read(out, 'report-2027.json')) as {
        year: number;
        months: { month: string; reports: { received: number } }[];
        totals: { received: number; forwarded: unknown; decisionTime: unknown; indicators: unknown; listSize: number };
      };
      expect(json.year).toBe(2027);
      expect(json.months.map((m) => m.month)).toEqual(['2027-01', '2027-02']);
      expect(json.totals).toMatchObject({
        received: 1,
        forwarded: { total: 1, memberStates: { DE: 1 }, europol: 1 },
        decisionTime: { decided: 1, p50Ms: 23 * 86_400_000, p90Ms: 23 * 86_400_000 },
        indicators: { DE: { submitted: 0, approved: 0, revoked: 1, suspended: 1 }, FR: { submitted: 3, approved: 3, revoked: 0, suspended: 0 } },
        listSize: 4,
      });
      noSecrets(read(out, 'report-2027.json'));
    });
  });

  describe('when asked for Markdown', () => {
    it('writes tables per figure, the year\u2019s percentiles, and links to the charts', async () => {
      const { out, files } = await report('2026', 'md');
      expect(files).toContain('report-2026.md');
      const md = read(out, 'report-2026.md');
      expect(md).toContain('| Month | Received | Forwarded | Unfounded | Decided | Median time | 90th percentile |');
      expect(md).toContain('| 2026-11 | 10 | 5 | 5 | 10 | 5 min | 9 min |');
      expect(md).toContain('| 2026-12 | 0 | 0 | 0 | 0 | – | – |');
      expect(md).toContain('| Month | DE | FR | Europol |\n| --- | ---: | ---: | ---: |\n| 2026-11 | 3 | 1 | 5 |');
      expect(md).toContain('| Month | DE | FR | unspecified |');
      expect(md).toContain('| 2026-11 | 1 | 1 | 1 | 2 | 1 |');
      expect(md).toContain('| Access lists served (refused) | 2 (1) |');
      expect(md).toContain('![Reports per month, 2026](reports-per-month-2026.png)');
      expect(md).not.toContain('2026-10');
      noSecrets(md);
    });
  });

  describe('when asked for CSV', () => {
    it('writes one file per table, a row per month (and Member State)', async () => {
      const { out, files } = await report('2026', 'csv');
      expect(files.filter((f) => f.endsWith('.csv'))).toEqual(['access-2026.csv', 'forwarded-2026.csv', 'indicators-2026.csv', 'orders-2026.csv', 'reports-2026.csv']);
      expect(read(out, 'access-2026.csv')).toBe('month,grants,wraps,providers_given_keys,fetches,refused_fetches\r\n2026-11,1,1,1,2,1\r\n2026-12,0,0,0,0,0\r\n');
      expect(read(out, 'reports-2026.csv').split('\r\n')).toEqual([
        'month,received,forwarded,unfounded,unfounded_preview_mismatch,unfounded_indicator_error,unfounded_duplicate,unfounded_not_csam,unfounded_other,decided,decision_p50_ms,decision_p90_ms,list_size',
        `2026-11,10,5,5,3,1,1,0,0,10,${5 * MINUTE},${9 * MINUTE},2`,
        '2026-12,0,0,0,0,0,0,0,0,0,,,2',
        '',
      ]);
      expect(read(out, 'forwarded-2026.csv')).toBe('month,recipient,reports\r\n2026-11,DE,3\r\n2026-11,FR,1\r\n2026-11,Europol,5\r\n');
      expect(read(out, 'orders-2026.csv')).toBe('month,member_state,active_orders\r\n2026-11,DE,1\r\n2026-11,FR,1\r\n2026-11,unspecified,1\r\n2026-12,DE,1\r\n');
      expect(read(out, 'indicators-2026.csv')).toBe('month,member_state,submitted,approved,revoked,suspended\r\n2026-11,DE,2,2,0,0\r\n');
    });
  });

  describe('when the same year is written twice', () => {
    it('draws the same PNG charts, 960 by 540', async () => {
      const first = await report('2027', 'json');
      const second = await report('2027', 'json');
      const digest = (out: string, name: string): string => createHash('sha256').update(readFileSync(join(out, name))).digest('hex');
      for (const chart of CHARTS) {
        expect(digest(first.out, chart)).toBe(digest(second.out, chart));
        const { width, height, format } = await sharp(join(first.out, chart)).metadata();
        expect({ width, height, format }).toEqual({ width: 960, height: 540, format: 'png' });
      }
    });
  });

  describe('when the year or the format is wrong', () => {
    it.each([
      [['--format', 'md'], '--year must be'],
      [['--year', '27'], '--year must be'],
      [['--year', '2027', '--format', 'pdf'], '--format must be md, json, csv'],
    ])('refuses %j with exit 2', async (args, message) => {
      const { status, stderr } = await centre('report', ...args, '--data', t.dataDir);
      expect(status).toBe(2);
      expect(stderr).toContain(message);
    });
  });
});
