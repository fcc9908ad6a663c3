import { describe, expect, it } from 'vitest';
import { rootKeyNameProblem } from './root-key-name.ts';

describe('rootKeyNameProblem', () => {
  describe('when a name is a root key name of docs/PROTOCOL.md 4.1', () => {
    it.each([
      ['hashfeed/eu-csam/root', undefined],
      ['hashfeed/eu-csam/root-1', undefined],
      ['hashfeed/eu-csam/root-12', 'eu-csam'],
    ])('accepts %s', (name, feed) => {
      expect(rootKeyNameProblem(name, feed)).toBeNull();
    });
  });

  describe('when it is not', () => {
    it.each([
      ['alice-root', undefined],
      ['hashfeed/eu-csam/root-0', undefined],
      ['hashfeed/eu-csam/root-x', undefined],
      ['hashfeed/Feed!/root', undefined],
      ['hashfeed//root', undefined],
      ['hashfeed/eu-csam/feed', undefined],
      ['hashfeed/other/root-2', 'eu-csam'],
    ])('refuses %s', (name, feed) => {
      expect(rootKeyNameProblem(name, feed)).toMatch(/^a root key (of feed 'eu-csam' )?is named hashfeed\//);
    });
  });
});
