import { parseSidecarConfig, type SidecarConfig } from '../../client/sidecar/config.ts';
import type { LoopbackCentre } from './loopback-centre.ts';

/** The local API token the end-to-end tests' sidecars accept. */
export const TEST_LOCAL_TOKEN = 'a-local-token-of-enough-length';

/**
 * A sidecar config for provider `example-host` of a loopback Centre, its
 * data in `dataDir`, one plain `uploads` surface unless `settings` says
 * otherwise; `settings` overrides or adds any config key.
 */
export function sidecarConfigFor(centre: LoopbackCentre, dataDir: string, settings: Readonly<Record<string, unknown>> = {}): SidecarConfig {
  return parseSidecarConfig(sidecarConfigJson(centre, dataDir, settings), dataDir);
}

/** The same config as the JSON a config file (or a child process's argument) holds, before parsing. */
export function sidecarConfigJson(centre: LoopbackCentre, dataDir: string, settings: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    centre: centre.url,
    providerToken: centre.tokens.provider,
    provider: 'example-host',
    rootKey: centre.rootKey,
    dataDir,
    localToken: TEST_LOCAL_TOKEN,
    surfaces: [{ id: 'uploads', description: 'uploads', e2ee: false }],
    ...settings,
  };
}
