import { describe, expect, it } from 'vitest';
import { codeOf } from '../shared/testing/code-of.ts';
import { DEFAULT_CONFIG, parseCentreConfig } from './config.ts';

describe('parseCentreConfig', () => {
  describe('the review settings', () => {
    it('default to a 15-minute lease, a 5% QA sample, a 24-hour bundle window and A1 as urgent', () => {
      expect(parseCentreConfig({})).toMatchObject({ reviewLeaseMinutes: 15, qaSampleRate: 0.05, bundleWindowHours: 24, urgentCategories: ['A1'] });
    });

    it.each([
      [{ qaSampleRate: 0 }, { qaSampleRate: 0 }],
      [{ qaSampleRate: 1 }, { qaSampleRate: 1 }],
      [{ urgentCategories: [] }, { urgentCategories: [] }],
      [{ urgentCategories: ['A1', 'A2'] }, { urgentCategories: ['A1', 'A2'] }],
      [{ reviewLeaseMinutes: 60 }, { reviewLeaseMinutes: 60 }],
      [{ categories: ['B1'] }, { urgentCategories: [] }],
    ])('accepts %j', (input, expected) => {
      expect(parseCentreConfig(input)).toMatchObject(expected);
    });

    it.each([
      { qaSampleRate: -0.1 },
      { qaSampleRate: 1.5 },
      { qaSampleRate: '0.1' },
      { reviewLeaseMinutes: 0 },
      { reviewLeaseMinutes: 24 * 60 + 1 },
      { bundleWindowHours: 0 },
      { urgentCategories: ['Z9'] },
      { urgentCategories: 'A1' },
      { categories: ['B1'], urgentCategories: ['A1'] },
    ])('refuses %j with CONFIG_INVALID', (input) => {
      expect(codeOf(() => parseCentreConfig(input))).toBe('CONFIG_INVALID');
    });
  });

  describe('the quality loop and retention settings', () => {
    it('default to three providers and twelve months', () => {
      expect(parseCentreConfig({})).toMatchObject({ suspendAfterProviders: 3, reportRetentionMonths: 12 });
    });

    it.each([
      [{ suspendAfterProviders: 1 }, { suspendAfterProviders: 1 }],
      [{ reportRetentionMonths: 120 }, { reportRetentionMonths: 120 }],
    ])('accepts %j', (input, expected) => {
      expect(parseCentreConfig(input)).toMatchObject(expected);
    });

    it.each([
      { suspendAfterProviders: 0 },
      { suspendAfterProviders: 2.5 },
      { reportRetentionMonths: 0 },
      { reportRetentionMonths: 121 },
      { reasonCodes: ['FALSE_POSITIVE', 'SUSPENDED'] },
    ])('refuses %j with CONFIG_INVALID', (input) => {
      expect(codeOf(() => parseCentreConfig(input))).toBe('CONFIG_INVALID');
    });
  });

  describe('publishVideoIndicators', () => {
    it('is off when absent (a centre.json from before video), and takes a boolean', () => {
      expect(parseCentreConfig({})).toMatchObject({ publishVideoIndicators: false });
      expect(parseCentreConfig({ publishVideoIndicators: true })).toMatchObject({ publishVideoIndicators: true });
      expect(codeOf(() => parseCentreConfig({ publishVideoIndicators: 'yes' }))).toBe('CONFIG_INVALID');
    });
  });

  it('keeps its defaults valid', () => {
    expect(parseCentreConfig(DEFAULT_CONFIG)).toEqual(DEFAULT_CONFIG);
  });
});
