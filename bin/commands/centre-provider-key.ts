import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { openCentre } from '../../server/centre.ts';
import { ProviderKeyReview } from '../../server/keys/provider-key-review.ts';
import { isProviderKeyStatus, PROVIDER_KEY_STATUSES } from '../../server/store/provider-keys.ts';
import { CodedError } from '../../shared/errors.ts';

class UsageError extends CodedError<'USAGE'> {}

interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const PROVIDER_KEY_USAGE = `usage: hashfeed centre provider-key <command> [--data DIR]

  list [--status ${PROVIDER_KEY_STATUSES.join('|')}] [--provider NAME]   the report keys providers registered
  approve --provider NAME --key KEY                           trust KEY for NAME's reports, once NAME confirmed it out of band
  revoke --provider NAME --key KEY                            stop trusting KEY for good

KEY is the 8-hex-digit key ID or the full verifier key (needed when two keys share an ID).
A key a provider registers with its token is pending until approved: docs/SAFEGUARDS.md, "Report keys".
--data defaults to ./data/centre.
`;

/** `hashfeed centre provider-key list|approve|revoke`: an operator's review of report keys, on the data folder directly. */
export async function runProviderKey(argv: readonly string[], io: CommandIo = process): Promise<number> {
  const print = (value: unknown): void => {
    io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  };
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      data: { type: 'string', default: './data/centre' },
      status: { type: 'string' },
      provider: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true || sub === undefined) {
    io.stdout.write(PROVIDER_KEY_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'list' && sub !== 'approve' && sub !== 'revoke') {
    io.stderr.write(`hashfeed centre provider-key: unknown command '${sub}'\n\n${PROVIDER_KEY_USAGE}`);
    return 2;
  }
  if (sub === 'list' && (values.key !== undefined)) throw new UsageError('USAGE', 'list takes --status and --provider only');
  if (sub !== 'list' && values.status !== undefined) throw new UsageError('USAGE', `${sub} takes --provider and --key only`);
  const { status, provider, key } = values;
  if (status !== undefined && !isProviderKeyStatus(status)) throw new UsageError('USAGE', `--status must be ${PROVIDER_KEY_STATUSES.join(', ')}`);
  if (sub !== 'list' && (provider === undefined || key === undefined)) throw new UsageError('USAGE', `${sub} needs --provider and --key`);

  const now = Date.now();
  const centre = openCentre(resolve(values.data), now);
  try {
    const review = new ProviderKeyReview(centre);
    if (sub === 'list') {
      print({ keys: review.list({ ...(status === undefined ? {} : { status }), ...(provider === undefined ? {} : { provider }) }) });
    } else {
      print(review.decide(sub, { provider: provider ?? '', key: key ?? '' }, 'cli', now));
    }
  } finally {
    centre.close();
  }
  return 0;
}
