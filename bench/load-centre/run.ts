/**
 * The core of `npm run load:centre`: sets up a Centre process, then runs
 * the phases (the polling mix against the Centre; the same with report
 * intake; the same with feed objects from nginx serving the export) and
 * returns every phase's figures. The CLI (bench/load-centre.ts) and the
 * test call this; neither times anything itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { findNginx, startNginx } from '../../shared/testing/nginx.ts';
import { RouteRecorder, drivePolling, driveReports, type Endpoints, type GeneratorFigures } from './drive.ts';
import { checkMix, routeRates, type FeedMode, type FeedShape, type SidecarMix } from './mix.ts';
import { probeDiskSync, type DiskSyncFigures } from './disk-probe.ts';
import { sampleProcess } from './proc-sampler.ts';
import { heldReports, prepareReports, type HeldReports } from './reports.ts';
import { exportMirror, setUpCentre, type LoadedCentre } from './setup.ts';
import { failuresOf, summariseProcess, summariseRoute, type ProcessFigures, type RouteFigures } from './summary.ts';
import { assertLoopback } from '../load/loopback.ts';

export interface LoadOptions {
  readonly mix: SidecarMix;
  /** Each phase's length. */
  readonly seconds: number;
  readonly reportsPerSecond: number;
  readonly providers: number;
  readonly indicators: number;
  readonly versions: number;
  readonly indicatorsPerVersion: number;
  /** Run the mirror phase (skipped, with a note, where nginx is absent). */
  readonly mirror: boolean;
  readonly log?: (line: string) => void;
}

export interface PhaseResult {
  readonly name: string;
  readonly feedMode: FeedMode;
  readonly wallSeconds: number;
  readonly routes: readonly RouteFigures[];
  readonly generators: readonly GeneratorFigures[];
  /** By role: `centre`, `loadGenerator` (this process), and `nginx` in the mirror phase. */
  readonly processes: Readonly<Record<string, ProcessFigures>>;
  /** Requests/s the Centre answered in all, and per provider token (the default per-token limit is 20/s). */
  readonly centrePerSecond: number;
  readonly centrePerTokenPerSecond: number;
}

export interface LoadResult {
  readonly machine: {
    readonly cpus: number;
    readonly model: string;
    readonly memoryGb: number;
    readonly loadAverageAtStart: readonly number[];
    readonly loadAverageAtEnd: readonly number[];
    readonly node: string;
    /** fdatasync of the disk under the Centre's data, before the phases and after them. */
    readonly diskSyncAtStart: DiskSyncFigures;
    readonly diskSyncAtEnd: DiskSyncFigures;
  };
  readonly options: Omit<LoadOptions, 'log'>;
  readonly feed: FeedShape;
  /** The mix turned into planned request rates per route (req/s). */
  readonly plannedRates: { readonly centre: ReturnType<typeof routeRates>; readonly mirror: ReturnType<typeof routeRates> };
  readonly setupSeconds: number;
  readonly phases: readonly PhaseResult[];
  /** Reports sent (each prepared once), answered 201 and answered as duplicates, and what the Centre's database holds afterwards. */
  readonly reports: (HeldReports & { readonly sent: number; readonly accepted: number; readonly duplicates: number }) | null;
  readonly mirrorSkipped: string | null;
  /** Every non-2xx, error, lost or duplicated report: the run fails on any. */
  readonly failures: readonly string[];
}

async function phase(
  name: string,
  feedMode: FeedMode,
  seconds: number,
  pids: Readonly<Record<string, number>>,
  providers: number,
  drive: (recorder: RouteRecorder) => Promise<GeneratorFigures[]>,
): Promise<PhaseResult> {
  const recorder = new RouteRecorder();
  // This process too: the load generator shares the machine's cores with what it loads.
  const samplers = Object.entries({ ...pids, loadGenerator: process.pid }).map(([role, pid]) => [role, sampleProcess(pid)] as const);
  const started = performance.now();
  const generators = await drive(recorder);
  const wallSeconds = (performance.now() - started) / 1000;
  const processes = Object.fromEntries(samplers.map(([role, sampler]) => [role, summariseProcess(sampler.stop())]));
  const routes = recorder.samples().map((s) => summariseRoute(s, Math.max(wallSeconds, seconds))).sort((a, b) => a.server.localeCompare(b.server) || a.route.localeCompare(b.route));
  const centrePerSecond = routes.filter((r) => r.server === 'centre' || feedMode === 'centre').reduce((n, r) => n + r.perSecond, 0);
  return { name, feedMode, wallSeconds: Math.round(wallSeconds * 100) / 100, routes, generators, processes, centrePerSecond: Math.round(centrePerSecond * 10) / 10, centrePerTokenPerSecond: Math.round((centrePerSecond / providers) * 100) / 100 };
}

export async function runLoadCentre(options: LoadOptions): Promise<LoadResult> {
  checkMix(options.mix);
  const log = options.log ?? (() => undefined);
  const loadAverage = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);
  const loadAverageAtStart = loadAverage();
  const root = mkdtempSync(join(tmpdir(), 'hf-load-centre-'));
  const dataDir = join(root, 'centre');
  const failures: string[] = [];
  let centre: LoadedCentre | undefined;
  try {
    const setupStarted = performance.now();
    log(`setting up: ${options.providers} providers, ${options.versions} versions, ${options.indicators} indicators in the first`);
    centre = await setUpCentre({ dataDir, indicators: options.indicators, versions: options.versions, indicatorsPerVersion: options.indicatorsPerVersion, providers: options.providers, behindVersions: 10 });
    assertLoopback(centre.url);
    const loaded = centre;
    const pid = loaded.server.pid ?? 0;
    const tokens = loaded.providers.map((p) => p.token);
    const reports = prepareReports(loaded, Math.round(options.reportsPerSecond * options.seconds), Date.now());
    const setupSeconds = Math.round((performance.now() - setupStarted) / 100) / 10;
    const diskSyncAtStart = probeDiskSync(root);
    const phases: PhaseResult[] = [];
    const atCentre: Endpoints = { centre: loaded.url, feed: loaded.url };
    const poll = (mode: FeedMode, endpoints: Endpoints) => (recorder: RouteRecorder) => drivePolling({ mix: options.mix, feed: loaded.feed, mode, endpoints, tokens, seconds: options.seconds, recorder });

    log(`phase 1: ${options.mix.sidecars} sidecars polling the Centre every ${options.mix.pollSeconds} s, ${options.seconds} s`);
    phases.push(await phase('centre', 'centre', options.seconds, { centre: pid }, tokens.length, poll('centre', atCentre)));

    log(`phase 2: the same, with ${reports.length} reports at ${options.reportsPerSecond}/s`);
    const withReports = await phase('centre + reports', 'centre', options.seconds, { centre: pid }, tokens.length, async (recorder) => {
      const [polling, filing] = await Promise.all([poll('centre', atCentre)(recorder), driveReports({ url: loaded.url, reports, perSecond: options.reportsPerSecond, recorder })]);
      return [...polling, ...filing];
    });
    phases.push(withReports);
    const filed = withReports.routes.find((r) => r.route === 'POST /v1/reports');
    const accepted = filed?.statuses['201'] ?? 0;
    const duplicates = filed?.statuses['200'] ?? 0;
    const held = heldReports(join(dataDir, 'centre.db'), reports);
    const reportResult = { sent: reports.length, accepted, duplicates, ...held };
    if (duplicates > 0) failures.push(`reports: ${duplicates} answered as duplicates`);
    if (accepted !== reports.length) failures.push(`reports: ${accepted} of ${reports.length} accepted`);
    if (held.held !== accepted || held.distinctIds !== held.held || held.heldPrepared !== held.held || held.heldUnknown !== 0) {
      failures.push(`reports: the Centre holds ${held.held} (${held.distinctIds} distinct ids, ${held.heldPrepared} of them sent by this run) of ${accepted} accepted`);
    }

    let mirrorSkipped: string | null = null;
    const nginx = options.mirror ? findNginx() : null;
    if (nginx === null) mirrorSkipped = options.mirror ? 'nginx not found' : 'not asked for';
    else {
      const exported = exportMirror(dataDir, join(root, 'mirror'));
      log(`phase 3: the same polling, feed objects from nginx serving the export (${String(exported.files)} files); provider lists from the Centre`);
      const mirror = await startNginx(nginx, join(root, 'mirror'), join(root, 'nginx'), { workerConnections: 4096 });
      try {
        assertLoopback(mirror.url);
        phases.push(await phase('mirror', 'mirror', options.seconds, { centre: pid, nginx: mirror.pid }, tokens.length, poll('mirror', { centre: loaded.url, feed: mirror.url })));
      } finally {
        await mirror.stop();
      }
    }
    for (const p of phases) {
      failures.push(...failuresOf(p.name, p.routes));
      for (const g of p.generators) if (g.errors > 0 || g.timeouts > 0) failures.push(`${p.name}: ${g.name}: ${g.errors} errors, ${g.timeouts} timeouts`);
    }
    const machine = {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      loadAverageAtStart,
      loadAverageAtEnd: loadAverage(),
      node: process.version,
      diskSyncAtStart,
      diskSyncAtEnd: probeDiskSync(root),
    };
    return {
      machine,
      options: { mix: options.mix, seconds: options.seconds, reportsPerSecond: options.reportsPerSecond, providers: options.providers, indicators: options.indicators, versions: options.versions, indicatorsPerVersion: options.indicatorsPerVersion, mirror: options.mirror },
      feed: loaded.feed,
      plannedRates: { centre: routeRates(options.mix, loaded.feed, 'centre'), mirror: routeRates(options.mix, loaded.feed, 'mirror') },
      setupSeconds,
      phases,
      reports: reportResult,
      mirrorSkipped,
      failures,
    };
  } finally {
    centre?.server.kill('SIGTERM');
    if (centre !== undefined) await new Promise((resolve) => (centre?.server.exitCode !== null ? resolve(null) : centre.server.once('exit', resolve)));
    rmSync(root, { recursive: true, force: true });
  }
}

