import { POLL_HEADER } from './poll-header.ts';

/** How often the counts are asked for: often enough to see work arrive, rarely enough to cost nothing. */
const POLL_MS = 15_000;

/**
 * Keeps `[data-live-counts]` fresh: every 15 s its URL (a console route
 * answering `{name: number}`) is fetched with the session cookie, and each
 * `[data-count="name"]` inside it shows the new figure. A failed fetch
 * leaves the last figures and marks them stale.
 */
export function startLiveCounts(doc: Document): void {
  for (const container of doc.querySelectorAll<HTMLElement>('[data-live-counts]')) {
    const url = container.dataset['liveCounts'];
    if (url === undefined || !url.startsWith('/console/')) continue;
    const refresh = async (): Promise<void> => {
      try {
        const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json', [POLL_HEADER]: '1' }, redirect: 'error' });
        if (!response.ok) throw new Error(String(response.status));
        const counts: unknown = await response.json();
        if (typeof counts !== 'object' || counts === null) throw new Error('not an object');
        for (const slot of container.querySelectorAll<HTMLElement>('[data-count]')) {
          const value: unknown = Reflect.get(counts, slot.dataset['count'] ?? '');
          if (typeof value === 'number' && Number.isSafeInteger(value)) slot.textContent = String(value);
        }
        container.classList.remove('stale');
      } catch {
        container.classList.add('stale');
      }
    };
    window.setInterval(() => void refresh(), POLL_MS);
  }
}
