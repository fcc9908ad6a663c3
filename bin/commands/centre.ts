import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadSigningKey } from '../../shared/crypto/index.ts';
import { openCentre, readCentreConfig, databasePath } from '../../server/centre.ts';
import { exportFeed } from '../../server/export.ts';
import { initCentre } from '../../server/init.ts';
import { ROOT_KEY_ENV, rootKeyPath, rotateSigningKey } from '../../server/keys/keyring.ts';
import { serveCentre } from '../../server/main.ts';
import { isRole } from '../../server/store/accounts.ts';
import { AuditLog } from '../../server/store/audit.ts';
import { openDatabase } from '../../server/store/database.ts';
import { CodedError } from '../../shared/errors.ts';
import { untilStopSignal } from '../stop-signal.ts';

class UsageError extends CodedError<'USAGE'> {}

const USAGE = `usage: hashfeed centre <command> [--data DIR]

  init      [--feed NAME] [--min-confirmations K]  create the database and keys; prints the first admin token and the root key
  serve     [--port P] [--host H]                   serve the API (default 127.0.0.1:8700)
  token create --role R --name NAME [--label L]      create a token (and the account NAME if new); prints it once
  keys rotate [--root-key FILE]                      certify a new signing key (needs the root key: file or ${ROOT_KEY_ENV})
  publish                                            publish version N+1 from everything approved
  export --out DIR                                   write the signed feed as static files for mirrors

--data defaults to ./data/centre.
`;

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const words = sub === 'token' || sub === 'keys' ? 2 : 1;
  const command = words === 2 ? `${sub} ${rest[0] ?? ''}` : (sub ?? '');
  const { values } = parseArgs({
    args: words === 2 ? rest.slice(1) : rest,
    options: {
      data: { type: 'string', default: './data/centre' },
      port: { type: 'string', default: '8700' },
      host: { type: 'string', default: '127.0.0.1' },
      feed: { type: 'string' },
      'min-confirmations': { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      label: { type: 'string' },
      'root-key': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true || sub === undefined) {
    process.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  const dataDir = resolve(values.data);
  const now = Date.now();

  switch (command) {
    case 'init': {
      const overrides = {
        ...(values.feed !== undefined ? { feed: values.feed } : {}),
        ...(values['min-confirmations'] !== undefined ? { minConfirmations: Number(values['min-confirmations']) } : {}),
      };
      const result = initCentre(dataDir, now, overrides);
      print({ ...result, note: 'The admin token is shown once. Move the root key file offline: the running Centre never needs it.' });
      return 0;
    }
    case 'serve': {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('USAGE', '--port must be a port number');
      const running = await serveCentre({ dataDir, port, host: values.host });
      // Drains requests in flight until the config's shutdownDeadlineSeconds, then closes the database.
      const stopped = untilStopSignal(() => running.close());
      process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
      await stopped;
      return 0;
    }
    case 'token create': {
      const { role, name } = values;
      if (!isRole(role)) throw new UsageError('USAGE', '--role must be admin, authority, operator or provider');
      if (name === undefined) throw new UsageError('USAGE', '--name is required');
      const centre = openCentre(dataDir, now);
      try {
        const issued = centre.write(() => {
          const { account, created } = centre.accounts.ensure(name, role, now);
          const token = centre.accounts.issueToken(account.id, values.label ?? null, now);
          centre.audit.record(now, 'cli', created ? 'account.create' : 'token.create', name, { role, tokenId: token.tokenId });
          return { account: account.name, role: account.role, accountCreated: created, ...token };
        });
        print(issued);
      } finally {
        centre.close();
      }
      return 0;
    }
    case 'keys rotate': {
      const config = readCentreConfig(dataDir);
      const root = loadSigningKey(
        (process.env[ROOT_KEY_ENV] ?? '') !== '' ? { envVariable: ROOT_KEY_ENV } : { path: values['root-key'] ?? rootKeyPath(dataDir) },
      );
      const db = openDatabase(databasePath(dataDir));
      try {
        const rotated = rotateSigningKey(db, dataDir, config.feed, root, now, config.signingKeyValidityDays);
        new AuditLog(db).record(now, 'cli', 'keys.rotate', String(rotated.serial), rotated);
        print(rotated);
      } finally {
        db.close();
      }
      return 0;
    }
    case 'publish': {
      const centre = openCentre(dataDir, now);
      try {
        print(centre.publisher.publish('cli', now));
      } finally {
        centre.close();
      }
      return 0;
    }
    case 'export': {
      if (values.out === undefined) throw new UsageError('USAGE', '--out is required');
      const centre = openCentre(dataDir, now);
      try {
        print(exportFeed(centre, resolve(values.out), now));
      } finally {
        centre.close();
      }
      return 0;
    }
    default:
      process.stderr.write(`hashfeed centre: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}
