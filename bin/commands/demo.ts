/**
 * `hashfeed demo` (npm start): the whole flow on this machine, on images the
 * project paints itself. A Centre under ./data (created on first run, reused
 * after) with a witness beside it that cosigns its checkpoints, indicators
 * seeded from synthetic pictures, a signed publication, a demo provider with
 * a detection order, a sidecar that syncs and verifies the feed (and requires
 * the witness's cosignature), a folder of uploads scanned through its local
 * API (transformed copies of indicator pictures and unrelated ones), the
 * refusals the safeguards make, the reports arriving at the Centre, a
 * reviewer forwarding one to DE and Europol and judging one unfounded,
 * Europol's hold, and the sidecar receiving those decisions.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { createRng, findTransform, generateImage, type FamilyName } from '../../fixtures/index.ts';
import { getAlgorithm, hashImage } from '../../shared/hashing/index.ts';
import { openCentre } from '../../server/centre.ts';
import { initCentre } from '../../server/init.ts';
import { serveCentre } from '../../server/main.ts';
import { exportFeed } from '../../server/export.ts';
import { filesHolding, serveDemoMirror, type DemoMirror } from './demo-mirror.ts';
import { awaitCosignature, startDemoWitness } from './demo-witness.ts';
import { enableVideoIndicators, prepareDemoVideos } from './demo-video.ts';
import { parseVerifierKey } from '../../shared/crypto/index.ts';
import { verifyForwardedReport } from '../../shared/trust/index.ts';
import { decodeRootList } from '../../shared/wire/delta-chain.ts';
import type { Role } from '../../server/store/accounts.ts';
import { computePreview } from '../../client/report/preview.ts';
import { parseSidecarConfig } from '../../client/sidecar/config.ts';
import { listenLocal } from '../../client/sidecar/listen.ts';
import { createSidecar } from '../../client/sidecar/sidecar.ts';
import { defineCommand, UsageError } from '../command.ts';
import { untilStopSignal } from '../stop-signal.ts';

/** The roles the demo plays. */
const DEMO_ROLES = ['authority', 'operator', 'provider', 'reviewer', 'europol'] as const satisfies readonly Role[];
type DemoRole = (typeof DEMO_ROLES)[number];

interface Credentials {
  readonly rootKey: string;
  readonly tokens: Record<DemoRole, string>;
  readonly localToken: string;
}

const PROVIDER = 'demo-provider';
/** Each demo role's account: its name, and an authority's Member State. */
const DEMO_ACCOUNTS: Readonly<Record<DemoRole, readonly [string, string | null]>> = {
  authority: ['DE-BKA', 'DE'],
  operator: ['centre-operator', null],
  provider: [PROVIDER, null],
  reviewer: ['demo-reviewer', null],
  europol: ['europol', null],
};

/** The people who sign in to the console after the flow, in the order they are listed. */
const CONSOLE_DEMO_ROLES = ['reviewer', 'operator', 'authority', 'europol'] as const satisfies readonly DemoRole[];

/** Where the demo's Centre listens when it stays up for the console; a busy port falls back to any free one. */
const DEMO_PORT = 8787;

/** Synthetic pictures by name: family and seed (chosen with PDQ quality 100, so every one is matchable). */
const PICTURES: Readonly<Record<string, readonly [FamilyName, number]>> = {
  harbour: ['scenes', 102],
  moss: ['textures', 101],
  letter: ['text', 103],
  dusk: ['gradients', 105],
  valley: ['scenes', 106],
  bark: ['textures', 104],
  meadow: ['scenes', 107],
  notice: ['text', 108],
};

/** The pictures the demo's authority confirms; uploads also contain unrelated ones. */
const INDICATOR_PICTURES = ['harbour', 'moss', 'letter', 'dusk', 'valley', 'bark'];

/** Uploads: [file name, picture, transform, strength, surface, subject]. */
const UPLOADS: readonly [string, string, string | null, number, string, string][] = [
  ['01-resized-half.jpg', 'harbour', 'resize', 0.5, 'public-uploads', 'user:alice'],
  ['02-recompressed-q40.jpg', 'moss', 'jpeg', 40, 'public-uploads', 'user:alice'],
  ['03-rotated-90.jpg', 'letter', 'rotate', 90, 'public-uploads', 'channel:channel-42'],
  ['04-mirrored.jpg', 'dusk', 'mirror', 1, 'public-uploads', 'user:bob'],
  ['05-unrelated.jpg', 'meadow', null, 0, 'public-uploads', 'user:alice'],
  ['06-unrelated.jpg', 'notice', null, 0, 'public-uploads', 'user:bob'],
  ['07-in-an-e2ee-chat.jpg', 'valley', null, 0, 'private-messages', 'user:alice'],
  ['08-not-a-target.jpg', 'bark', null, 0, 'public-uploads', 'user:mallory'],
];

const USAGE = `usage: hashfeed demo [--data DIR] [--port P] [--exit]

Runs the whole flow on this machine on synthetic pictures: a Centre and a
witness, an authority, an operator and a provider sidecar scanning a folder
of uploads. The Centre and the witness are created under DIR on the first
run and reused after. Then the Centre stays up on 127.0.0.1 for its console:
the address and a one-time sign-in code for each demo role are printed, and
Ctrl-C stops everything.
--data defaults to ./data; --port to ${DEMO_PORT} (any free port if taken);
--exit stops after the flow instead of serving the console.
`;

const command = defineCommand({
  name: 'hashfeed demo',
  usage: USAGE,
  options: { data: { type: 'string', default: './data' }, port: { type: 'string', default: String(DEMO_PORT) }, exit: { type: 'boolean', default: false } },
  run: (values, _positionals, io) => {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('USAGE', '--port must be a port number');
    return demo(resolve(values.data), io.stdout, { port, serveConsole: !values.exit });
  },
});

export function run(argv: string[], out: { write(text: string): unknown } = process.stdout): Promise<number> {
  return command.run(argv, { stdout: out, stderr: process.stderr });
}

async function demo(dataDir: string, out: { write(text: string): unknown }, options: { readonly port: number; readonly serveConsole: boolean }): Promise<number> {
  const say = (line = ''): void => void out.write(`${line}\n`);
  const started = Date.now();
  const centreDir = join(dataDir, 'centre');
  const credentialsFile = join(dataDir, 'demo-credentials.json');
  const quiet = pino({ level: 'silent' });

  say('hashfeed demo: Centre, witness, authority, operator and provider sidecar on this machine; every picture is synthetic.\n');

  // 1. The Centre: created on first run (keys generated), reused after.
  let credentials: Credentials;
  if (!existsSync(credentialsFile)) {
    const init = initCentre(centreDir, Date.now());
    credentials = withTokens(centreDir, { rootKey: init.rootVerifierKey, tokens: {}, localToken: Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url') });
    mkdirSync(dataDir, { recursive: true });
    saveCredentials(credentialsFile, credentials);
    say(`1. Created a Centre in ${centreDir} (root key ${init.rootVerifierKey.split('+')[0]}, private keys in keys/, mode 0600).`);
  } else {
    const parsed: unknown = JSON.parse(readFileSync(credentialsFile, 'utf8'));
    const held = parseCredentials(parsed);
    credentials = withTokens(centreDir, held);
    // A data folder from a demo before review existed gains the reviewer and Europol.
    if (Object.keys(held.tokens).length < Object.keys(credentials.tokens).length) saveCredentials(credentialsFile, credentials);
    say(`1. Reusing the Centre in ${centreDir}.`);
  }
  // An independent witness beside the Centre (here on the same machine): it cosigns each checkpoint that extends the last.
  const witness = await startDemoWitness(dataDir, centreDir, quiet);
  say(`   ${witness.created ? 'Created' : 'Reusing'} witness ${witness.verifierKey.split('+')[0]} in ${join(dataDir, 'witness')}, listed in the Centre's centre.json.`);
  enableVideoIndicators(centreDir);
  let centre: Awaited<ReturnType<typeof serveCentre>>;
  try {
    centre = await serveDemoCentre(centreDir, options.serveConsole ? options.port : 0, quiet);
  } catch (err) {
    await witness.running.close();
    throw err;
  }
  const api = async (method: string, path: string, role: DemoRole, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${centre.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${credentials.tokens[role]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const json: unknown = await res.json();
    return { status: res.status, json: typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {} };
  };

  let sidecar: Awaited<ReturnType<typeof createSidecar>> | undefined;
  let local: Awaited<ReturnType<typeof listenLocal>> | undefined;
  let mirror: DemoMirror | undefined;
  try {
    // 2. The authority confirms indicators: PDQ and MD5 of pictures it holds (here: painted from seeds).
    const picture = (name: string): Promise<Buffer> => {
      const [family, seed] = PICTURES[name] ?? ['scenes', 1];
      return generateImage({ family, seed, width: 960, height: 720, format: 'jpeg', quality: 90 });
    };
    // Each with the blurred preview a reviewer compares a report's against (the console shows both side by side).
    const rows: { algorithm: string; hash: string; category: string; reference: string; preview: string }[] = [];
    for (const [i, name] of INDICATOR_PICTURES.entries()) {
      const bytes = await picture(name);
      const { results } = await hashImage(bytes, { algorithms: ['pdq', 'md5'] });
      const preview = await computePreview(bytes);
      for (const r of results) rows.push({ algorithm: r.algorithm, hash: getAlgorithm(r.algorithm).format(r.hash), category: i % 2 === 0 ? 'A1' : 'B2', reference: `DEMO-${name}`, preview });
    }
    const submitted = await api('POST', '/v1/indicators', 'authority', rows);
    say(`2. DE-BKA submitted ${rows.length} indicators (PDQ + MD5 of ${INDICATOR_PICTURES.length} pictures): ${String(submitted.json.created)} new, ${String(submitted.json.unchanged)} already confirmed.`);
    await api('POST', `/v1/batches/${String(submitted.json.batchId)}/approve`, 'operator');
    // And a video: its vPDQ frame list (as `hashfeed hash video.mp4 --algo vpdq --json` prints it), made at run time.
    const videoDir = join(dataDir, 'demo-videos');
    const videos = await prepareDemoVideos(videoDir);
    if (videos === undefined) say('   ffmpeg is not installed: the video part of the demo is skipped (apt-get install ffmpeg).');
    else {
      const video = await api('POST', '/v1/indicators', 'authority', [{ algorithm: 'vpdq', hash: videos.indicator, category: 'A1', reference: 'DEMO-video' }]);
      if (video.status !== 201) throw new Error(`video indicator submission failed: ${JSON.stringify(video.json)}`);
      await api('POST', `/v1/batches/${String(video.json.batchId)}/approve`, 'operator');
      say(`   DE-BKA also submitted a video indicator: the vPDQ frame list of a 6 s synthetic video (${videos.frameHashes.length} unique frames of ${videos.frames} hashed, one a second): ${Number(video.json.created) > 0 ? 'new' : 'already confirmed'}.`);
    }
    const published = await api('POST', '/v1/publish', 'operator');
    if (published.status === 201) say(`3. The operator approved and published version ${String(published.json.version)} (${String(published.json.adds)} added; signed delta of ${String(published.json.envelopeBytes)} bytes, log size ${String(published.json.logSize)}).`);
    else say('3. Nothing new to publish: the feed already holds these indicators.');

    // 4. A court-validated detection order, registered by the operator, targeted and time-limited.
    const now = Date.now();
    const orderId = `DEMO-ORDER-${now}`;
    const order = await api('POST', '/v1/orders', 'operator', {
      orderId,
      issuingAuthority: 'DE-BKA',
      legalReference: 'Demonstration order (synthetic, no legal effect)',
      provider: PROVIDER,
      surfaces: ['public-uploads'],
      targets: { users: ['alice', 'bob'], groups: [], channels: ['channel-42'] },
      notBefore: now - 1000,
      notAfter: now + 3_600_000,
      // Routing: a forwarded report goes to the authorities of the issuing Member State, and to Europol.
      memberState: 'DE',
    });
    if (order.status !== 201) throw new Error(`order registration failed: ${JSON.stringify(order.json)}`);
    say(`4. Registered detection order ${orderId}: surface public-uploads, users alice and bob, channel channel-42, for one hour.`);

    // 5. The feed goes out as ciphertext: the static export, served with no credentials at all, stands for a CDN.
    // The checkpoint goes out with the witness's cosignature, which the sidecar requires (witnessQuorum 1).
    const cosignedSize = await awaitCosignature(centre, witness.verifierKey);
    say(`5. Witness ${witness.verifierKey.split('+')[0]} ${cosignedSize === null ? 'has NOT cosigned the current checkpoint' : `cosigned the checkpoint at log size ${cosignedSize}`}; the sidecar requires its cosignature (witnessQuorum 1).`);
    const mirrorDir = join(dataDir, 'mirror');
    const exported = exportFeed(centre.centre, mirrorDir, Date.now());
    mirror = await serveDemoMirror(mirrorDir);
    const scanned = filesHolding(mirrorDir, [...rows.map((r) => getAlgorithm(r.algorithm).parse(r.hash)), ...(videos?.frameHashes ?? [])]);
    say(`   Exported version ${exported.latestVersion} to ${mirrorDir} and served it at ${mirror.url} without authentication:`);
    say(`   ${scanned.files} files, ${scanned.holding.length === 0 ? 'none of which holds any of the ' + String(rows.length) + ' hashes, in bytes or hex' + (videos === undefined ? '' : `, nor any of the video's ${videos.frameHashes.length} frame hashes`) + ' (sealed under the epoch key)' : `${scanned.holding.length} HOLDING A HASH: ${scanned.holding.join(', ')}`}.`);

    // The provider's sidecar reads that mirror; its keys and access list come from the Centre, with its token.
    const sidecarDir = join(dataDir, 'sidecar');
    const config = parseSidecarConfig(
      {
        centre: mirror.url,
        mode: 'mirror',
        reportTo: centre.url,
        providerToken: credentials.tokens.provider,
        provider: PROVIDER,
        rootKey: credentials.rootKey,
        dataDir: sidecarDir,
        listen: '127.0.0.1:0',
        localToken: credentials.localToken,
        witnesses: [witness.verifierKey],
        witnessQuorum: 1,
        surfaces: [
          { id: 'public-uploads', description: 'Public photo uploads', e2ee: false },
          { id: 'private-messages', description: 'End-to-end encrypted direct messages', e2ee: true },
        ],
      },
      dataDir,
    );
    sidecar = await createSidecar({ config, logger: quiet });
    // Its token alone does not make the report key trusted: an operator approves it once the provider confirmed it out of band.
    const registration = await sidecar.registerKey();
    if (registration.status === 'pending') {
      const approved = await api('POST', `/v1/provider/keys/${sidecar.reportKey.keyId}/approve`, 'operator', { provider: PROVIDER, verifierKey: sidecar.reportKey.verifierKey });
      if (approved.status !== 200) throw new Error(`key approval failed: ${JSON.stringify(approved.json)}`);
      say(`   The sidecar registered report key ${sidecar.reportKey.keyId}; the operator approved it after the provider confirmed that ID out of band (hashfeed centre provider-key approve).`);
    } else {
      say(`   The sidecar's report key ${sidecar.reportKey.keyId} is ${registration.status} at the Centre.`);
    }
    // Its X25519 encryption key, signed by that report key: the Centre wraps epoch keys for it while the provider is entitled.
    const encryption = await sidecar.registerEncryptionKey();
    const synced = await sidecar.syncOnce();
    local = await listenLocal(sidecar.app, config.listen);
    const health = sidecar.health();
    // The demo fails if the mirror held a hash in the clear or the sidecar could not read it.
    const sealedMirror = scanned.holding.length === 0 && health.status === 'ok';
    const access = await api('GET', `/v1/access-log?provider=${PROVIDER}&limit=1000`, 'operator');
    const fetches = Array.isArray(access.json.entries) ? access.json.entries.filter((e: unknown) => typeof e === 'object' && e !== null && Reflect.get(e, 'event') === 'fetch') : [];
    const lastFetch: unknown = fetches[fetches.length - 1];
    const basis: unknown = typeof lastFetch === 'object' && lastFetch !== null ? Reflect.get(lastFetch, 'basis') : undefined;
    say(`   Its encryption key is ${encryption.status}; the Centre's signed access list entitles it by order ${typeof basis === 'string' ? basis : '-'} (the access log records each fetch with its order: ${fetches.length} so far for this provider).`);
    say(`   It verified, decrypted and applied the feed from the mirror: replica at version ${synced.version} (${synced.snapshot ? 'from a snapshot' : `${synced.appliedDeltas} delta(s) applied`}), health ${health.status}; local API at ${local.address}.`);

    // 6. A folder of uploads: transformed copies of indicator pictures, and unrelated ones.
    const uploadDir = join(dataDir, 'demo-uploads');
    rmSync(uploadDir, { recursive: true, force: true });
    mkdirSync(uploadDir, { recursive: true });
    for (const [name, pictureName, transform, strength] of UPLOADS) {
      const source = await picture(pictureName);
      const bytes = transform === null ? source : await findTransform(transform).apply(source, strength, createRng(7));
      writeFileSync(join(uploadDir, name), bytes);
    }
    for (const [name, path] of videos?.uploads ?? []) copyFileSync(path, join(uploadDir, name));
    rmSync(videoDir, { recursive: true, force: true });
    const uploads = new Map<string, { surface: string; subject: string }>([
      ...UPLOADS.map(([name, , , , surface, subject]) => [name, { surface, subject }] as const),
      ...(videos?.uploads ?? []).map(([name, , surface, subject]) => [name, { surface, subject }] as const),
    ]);
    const videoAnswers = new Map<string, unknown>();
    say(`\n6. Scanning ${uploadDir} through POST /v1/scan:`);
    let matched = 0;
    let refused = 0;
    for (const file of readdirSync(uploadDir).sort()) {
      const { surface, subject } = uploads.get(file) ?? {};
      const res = await fetch(`${local.address}/v1/scan?surface=${surface ?? ''}&subject=${encodeURIComponent(subject ?? '')}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credentials.localToken}`, 'content-type': 'application/octet-stream' },
        body: readFileSync(join(uploadDir, file)),
      });
      const answer: unknown = await res.json();
      say(`   ${file.padEnd(28)} ${describe(answer)}`);
      if (file.endsWith('.mp4')) videoAnswers.set(file, answer);
      if (typeof answer === 'object' && answer !== null && 'refused' in answer) refused++;
      else if (typeof answer === 'object' && answer !== null && Array.isArray(Reflect.get(answer, 'matches')) && Reflect.get(answer, 'matches').length > 0) matched++;
    }

    // 7. Reports: signed by the provider's key, queued durably, delivered to the Centre.
    await sidecar.deliverReports();
    const reports = await api('GET', '/v1/reports?limit=1000', 'operator');
    const list = Array.isArray(reports.json.reports) ? reports.json.reports : [];
    const ours = list.filter((r: unknown) => typeof r === 'object' && r !== null && Reflect.get(r, 'orderId') === orderId);
    say(`\n7. ${matched} uploads matched, ${refused} scans were refused without reading their bytes; ${ours.length} signed reports from this run arrived at the Centre (blurhash previews only, never the picture).`);
    // The video part: the letterboxed re-encode of the video indicator matches, the unrelated video does not.
    const videoMatched = (file: string): boolean => {
      const answer = videoAnswers.get(file);
      const found: unknown = typeof answer === 'object' && answer !== null ? Reflect.get(answer, 'matches') : undefined;
      return Array.isArray(found) && found.some((m: unknown) => typeof m === 'object' && m !== null && Reflect.get(m, 'algorithm') === 'vpdq');
    };
    const videosAsExpected = (videos?.uploads ?? []).every(([name, , , , expected]) => videoMatched(name) === expected);
    if (videos !== undefined) {
      say(`   Video: the re-encoded, letterboxed copy of the video indicator ${videoMatched(videos.uploads[0]?.[0] ?? '') ? 'MATCHED (vPDQ, its frames unframed)' : 'did NOT match'}; the unrelated video ${videoMatched(videos.uploads[1]?.[0] ?? '') ? 'MATCHED (a false match)' : 'did not match'}.`);
    }
    const metrics = await (await fetch(`${local.address}/metrics`)).text();
    const refusalLines = metrics.split('\n').filter((l) => l.startsWith('hashfeed_scan_refusals_total') && !l.endsWith(' 0'));
    say(`   sidecar refusal counters: ${refusalLines.join(', ') || 'none'}`);

    // 8. Review: a reviewer claims the next report (urgent first), forwards it, and judges the next one unfounded.
    const cursor = sidecar.decisions.cursor;
    const decided: { reportId: string; decision: string }[] = [];
    for (const decision of [{ decision: 'forwarded' }, { decision: 'unfounded', reason: 'preview_mismatch', comment: 'The preview does not resemble the indicator.' }]) {
      const claimed = await api('GET', '/v1/review/next', 'reviewer');
      const report: unknown = claimed.json.report;
      const reportId: unknown = typeof report === 'object' && report !== null ? Reflect.get(report, 'reportId') : undefined;
      if (typeof reportId !== 'string') break;
      const answer = await api('POST', `/v1/review/reports/${reportId}/decision`, 'reviewer', decision);
      if (answer.status !== 200) throw new Error(`review decision failed: ${JSON.stringify(answer.json)}`);
      decided.push({ reportId, decision: decision.decision });
    }
    const forwarded = decided.find((d) => d.decision === 'forwarded');
    say(`\n8. A reviewer forwarded report ${forwarded?.reportId.slice(0, 8) ?? '-'} and judged ${decided.find((d) => d.decision === 'unfounded')?.reportId.slice(0, 8) ?? '-'} unfounded (preview_mismatch).`);
    if (forwarded !== undefined) {
      const inbox = async (role: 'authority' | 'europol'): Promise<object[]> => {
        const items: unknown = (await api('GET', '/v1/inbox/reports?limit=200', role)).json.reports;
        return Array.isArray(items) ? items.filter((i: unknown): i is object => typeof i === 'object' && i !== null && Reflect.get(i, 'reportId') === forwarded.reportId) : [];
      };
      const [europolItem] = await inbox('europol');
      say(`   It reached DE-BKA's inbox (${(await inbox('authority')).length} item) and Europol's (${europolItem === undefined ? 0 : 1} item), each with the provider's signed report and the Centre's signed forwarding record.`);
      const roots = decodeRootList(new Uint8Array(await (await fetch(`${centre.url}/v1/feed/keys`, { headers: { authorization: `Bearer ${credentials.tokens.provider}` } })).arrayBuffer()), 4 * 1024 * 1024);
      const field = (name: string): Uint8Array => new Uint8Array(Buffer.from(String(europolItem === undefined ? '' : Reflect.get(europolItem, name)), 'base64'));
      const verified = verifyForwardedReport({ pin: { keys: [parseVerifierKey(credentials.rootKey)], threshold: 1 }, roots, reportEnvelope: field('report'), recordEnvelope: field('record') });
      say(`   Europol checked both signatures offline against the root key (as hashfeed verify-report does): record by ${verified.forwardingKey.split('+')[0]}, report by ${verified.record.providerKey.split('+')[0]}.`);
      await api('POST', `/v1/inbox/reports/${forwarded.reportId}/hold`, 'europol', { until: Date.now() + 90 * 86_400_000 });
      say('   Europol asked the provider to preserve the content and not inform the user for 90 days (a hold).');
    }

    // 9. The provider hears back: the next sync round brings the signed decisions list to the sidecar.
    await sidecar.syncOnce();
    const heard = await fetch(`${local.address}/v1/decisions?after=${cursor}`, { headers: { authorization: `Bearer ${credentials.localToken}` } });
    const body: unknown = await heard.json();
    const received: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'decisions') : undefined;
    const entries: object[] = Array.isArray(received) ? received.filter((e: unknown): e is object => typeof e === 'object' && e !== null) : [];
    say(`\n9. The sidecar verified the Centre's decisions list; GET /v1/decisions on its local API shows:`);
    for (const entry of entries) {
      const hold: unknown = Reflect.get(entry, 'hold');
      const until: unknown = typeof hold === 'object' && hold !== null ? Reflect.get(hold, 'until') : undefined;
      const reason: unknown = Reflect.get(entry, 'reason');
      say(
        `   report ${String(Reflect.get(entry, 'reportId')).slice(0, 8)} ${String(Reflect.get(entry, 'decision'))}${typeof reason === 'string' ? ` (${reason}): the platform may restore the content and inform the user` : ''}${typeof until === 'number' ? `, hold until ${new Date(until).toISOString().slice(0, 10)}: preserve it and stay silent` : ''}`,
      );
    }
    // 10. What anyone may read: the public statistics of GET /v1/transparency (counts only, no personal data).
    const transparency: unknown = await (await fetch(`${centre.url}/v1/transparency`)).json();
    const months: unknown = typeof transparency === 'object' && transparency !== null ? Reflect.get(transparency, 'months') : undefined;
    const month: unknown = Array.isArray(months) ? months[months.length - 1] : undefined;
    const at = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? Reflect.get(v, key) : undefined), value);
    const counts = (value: unknown): string =>
      typeof value === 'object' && value !== null ? Object.entries(value).filter(([, n]) => typeof n === 'number' && n > 0).map(([k, n]) => `${k} ${String(n)}`).join(', ') || 'none' : 'none';
    const p50: unknown = at(month, 'reports', 'decisionTime', 'p50Ms');
    say(`\n10. Public statistics for ${String(at(month, 'month'))} (GET /v1/transparency, no personal data): ${String(at(month, 'reports', 'received'))} reports received;`);
    say(`    unfounded: ${counts(at(month, 'reports', 'unfounded', 'byReason'))}; forwarded to Member States: ${counts(at(month, 'reports', 'forwarded', 'memberStates'))}, to Europol: ${String(at(month, 'reports', 'forwarded', 'europol'))};`);
    say(`    median time from receipt to decision ${typeof p50 === 'number' ? (p50 < 10_000 ? `${p50} ms` : `${(p50 / 1000).toFixed(0)} s`) : '-'}; indicators on the list: ${String(at(month, 'listSize'))}.`);
    say(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Data in ${dataDir}; to serve the Centre again later: npm run -s hashfeed -- centre serve --data ${centreDir}`);
    const heardAll = decided.every((d) => entries.some((e) => Reflect.get(e, 'reportId') === d.reportId));
    const passed = ours.length === matched && videosAsExpected && decided.length === 2 && heardAll && sealedMirror && cosignedSize !== null;
    if (!passed || !options.serveConsole) return passed ? 0 : 1;

    // 11. The console: people work the rest of the queue in a browser, on the same Centre, while the sidecar keeps syncing.
    say(`\n11. The Centre console is at ${centre.url}/console (this machine only). One-time sign-in codes, each good once within 60 minutes:`);
    for (const role of CONSOLE_DEMO_ROLES) {
      const account = centre.centre.accounts.byName(DEMO_ACCOUNTS[role][0]);
      if (account === undefined) continue;
      const { code } = centre.centre.write(() => centre.centre.signInCodes.issue(account.id, Date.now(), 60));
      say(`    ${role.padEnd(10)} ${account.name.padEnd(16)} ${code}`);
    }
    say(`    The reports the reviewer has not decided wait in the review queue; the sidecar hears the decisions taken there.`);
    say(`    More codes: npm run -s hashfeed -- centre console-code --account NAME --data ${centreDir}`);
    say('    Serving until Ctrl-C.');
    await untilStopSignal(async () => undefined);
    return 0;
  } finally {
    await local?.close();
    await sidecar?.stop();
    await mirror?.close();
    await centre.close();
    await witness.running.close();
  }
}

/** The Centre on 127.0.0.1:`port`, or on any free port when that one is taken (a second demo, another service). */
async function serveDemoCentre(centreDir: string, port: number, logger: pino.Logger): Promise<Awaited<ReturnType<typeof serveCentre>>> {
  try {
    return await serveCentre({ dataDir: centreDir, port, host: '127.0.0.1', logger });
  } catch (err) {
    if (port === 0 || !(err instanceof Error && 'code' in err && err.code === 'EADDRINUSE')) throw err;
    return serveCentre({ dataDir: centreDir, port: 0, host: '127.0.0.1', logger });
  }
}

function describe(answer: unknown): string {
  if (typeof answer !== 'object' || answer === null) return 'unexpected answer';
  const refused: unknown = Reflect.get(answer, 'refused');
  if (typeof refused === 'object' && refused !== null) return `refused ${String(Reflect.get(refused, 'code'))}`;
  const error: unknown = Reflect.get(answer, 'error');
  if (typeof error === 'object' && error !== null) return `error ${String(Reflect.get(error, 'code'))}`;
  const matches: unknown = Reflect.get(answer, 'matches');
  const hashedVideo: unknown = Reflect.get(answer, 'video');
  if (typeof hashedVideo === 'object' && hashedVideo !== null && Array.isArray(matches) && matches.length === 0) return `no match (video, ${String(Reflect.get(hashedVideo, 'framesHashed'))} frames hashed)`;
  const quality = `PDQ quality ${String(Reflect.get(answer, 'quality'))}${Reflect.get(answer, 'lowQuality') === true ? ', below the floor: lowQuality' : ''}`;
  if (!Array.isArray(matches) || matches.length === 0) return `no match (${quality})`;
  const parts = matches.map((m: unknown) => {
    if (typeof m !== 'object' || m === null) return '?';
    const share: unknown = Reflect.get(m, 'matchedShare');
    const timestamps: unknown = Reflect.get(m, 'timestamps');
    const first: unknown = Array.isArray(timestamps) ? timestamps[0] : undefined;
    if (Reflect.get(m, 'algorithm') === 'vpdq' && typeof share === 'number' && typeof first === 'number') {
      return `#${String(Reflect.get(m, 'indicatorId'))} vpdq ${Math.round(share * 100)}% of its frames, from ${first.toFixed(1)} s (${String(Reflect.get(m, 'view'))}) ${String(Reflect.get(m, 'category'))}`;
    }
    return `#${String(Reflect.get(m, 'indicatorId'))} ${String(Reflect.get(m, 'algorithm'))} d=${String(Reflect.get(m, 'distance'))} ${String(Reflect.get(m, 'variant'))} ${String(Reflect.get(m, 'category'))}`;
  });

  return `MATCH ${parts.join('; ')} -> report ${String(Reflect.get(answer, 'reportId')).slice(0, 8)}`;
}

/** Issues a token for each demo role that has none yet (the Centre is not serving: the demo opens its files directly). */
function withTokens(centreDir: string, held: { rootKey: string; localToken: string; tokens: Partial<Record<DemoRole, string>> }): Credentials {
  const missing = DEMO_ROLES.filter((role) => held.tokens[role] === undefined);
  const tokens: Partial<Record<DemoRole, string>> = { ...held.tokens };
  if (missing.length > 0) {
    const centre = openCentre(centreDir, Date.now());
    try {
      for (const role of missing) {
        const [name, memberState] = DEMO_ACCOUNTS[role];
        tokens[role] = centre.write(() => centre.accounts.issueToken(centre.accounts.ensure(name, role, Date.now(), memberState).account.id, 'demo', Date.now()).token);
      }
    } finally {
      centre.close();
    }
  }
  const token = (role: DemoRole): string => tokens[role] ?? '';
  return { rootKey: held.rootKey, localToken: held.localToken, tokens: { authority: token('authority'), operator: token('operator'), provider: token('provider'), reviewer: token('reviewer'), europol: token('europol') } };
}

function saveCredentials(path: string, credentials: Credentials): void {
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function parseCredentials(value: unknown): { rootKey: string; localToken: string; tokens: Partial<Record<DemoRole, string>> } {
  const bad = (): never => {
    throw new Error('data/demo-credentials.json is damaged: delete ./data to start over');
  };
  if (typeof value !== 'object' || value === null) return bad();
  const rootKey: unknown = Reflect.get(value, 'rootKey');
  const localToken: unknown = Reflect.get(value, 'localToken');
  const tokens: unknown = Reflect.get(value, 'tokens');
  if (typeof rootKey !== 'string' || typeof localToken !== 'string' || typeof tokens !== 'object' || tokens === null) return bad();
  const token = (role: string): string => {
    const value: unknown = Reflect.get(tokens, role);
    return typeof value === 'string' ? value : bad();
  };
  const optional = (role: DemoRole): Partial<Record<DemoRole, string>> => {
    const value: unknown = Reflect.get(tokens, role);
    return typeof value === 'string' ? { [role]: value } : {};
  };
  return { rootKey, localToken, tokens: { authority: token('authority'), operator: token('operator'), provider: token('provider'), ...optional('reviewer'), ...optional('europol') } };
}
