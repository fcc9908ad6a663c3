import { quote } from '../quote.ts';
import { FEED_NAME_PATTERN } from '../wire/delta.ts';

const ROOT_KEY_NAME = /^hashfeed\/([^/]*)\/root(?:-[1-9][0-9]{0,2})?$/;

/**
 * docs/PROTOCOL.md 4.1: a root key is named `hashfeed/<feed>/root` (a single
 * key) or `hashfeed/<feed>/root-<i>`, since a sidecar derives the feed name
 * from the key it pins. Checked where a new root key enters (`centre init`,
 * `keys generate`, a proposal's added root keys), never by decoders: a root
 * already installed is not refused for a name. Null when `name` fits (and,
 * given `feed`, names that feed), else why not.
 */
export function rootKeyNameProblem(name: string, feed?: string): string | null {
  const named = ROOT_KEY_NAME.exec(name)?.[1];
  const expected = `hashfeed/${feed ?? '<feed>'}/root-<i>`;
  if (named === undefined || !FEED_NAME_PATTERN.test(named) || (feed !== undefined && named !== feed)) {
    return `a root key ${feed === undefined ? '' : `of feed '${feed}' `}is named ${expected} (docs/PROTOCOL.md 4.1), not ${quote(name)}`;
  }
  return null;
}
