import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from './access.ts';
import { CONSOLE_ROLES } from './deps.ts';
import { startConsoleHarness, type ConsoleHarness } from './testing/console-browser.ts';

/** Run in the page: controls without an accessible name (label, aria-label or labelledby, or a button's text). */
const UNLABELLED_CONTROLS = `[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter((el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim() !== ''))
  .map((el) => el.outerHTML.slice(0, 120))`;
/** Run in the page: how far it scrolls sideways (0: it fits the window). */
const SIDEWAYS_OVERFLOW = 'document.scrollingElement.scrollWidth - window.innerWidth';

/**
 * Every page as each of its roles sees it, in chromium at 1280x800 and at
 * a phone's 390x800: every control named, nothing wider than the window,
 * the skip link first in the tab order with a visible focus, a screenshot.
 */
describe('console pages in a browser', () => {
  let harness: ConsoleHarness | null = null;
  beforeAll(async () => {
    harness = await startConsoleHarness();
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  for (const page of PAGES) {
    const role = page.roles.find((r) => CONSOLE_ROLES.includes(r)) ?? 'operator';
    describe(`when a ${role} opens ${page.path}`, () => {
      it('names every control, fits a narrow window, and starts the tab order at the skip link', async (ctx) => {
        if (harness === null) return ctx.skip();
        for (const viewport of [
          { width: 1280, height: 800 },
          { width: 390, height: 800 },
        ]) {
          const context = await harness.context(viewport);
          const tab = await context.newPage();
          await harness.signIn(tab, harness.t.tokens[role]);
          const answer = await tab.goto(`/console${page.path}`);
          expect(answer?.status(), `${page.path} at ${viewport.width}px`).toBe(200);
          expect(await tab.evaluate(UNLABELLED_CONTROLS)).toEqual([]);
          expect(await tab.evaluate(SIDEWAYS_OVERFLOW)).toBeLessThanOrEqual(0);
          if (viewport.width === 1280) await harness.screenshot(tab, `page${page.path.replaceAll('/', '-')}`);
          await tab.keyboard.press('Tab');
          expect(await tab.evaluate('document.activeElement.textContent')).toBe('Skip to content');
          expect(await tab.evaluate("getComputedStyle(document.activeElement).outlineStyle")).not.toBe('none');
          await context.close();
        }
      });
    });
  }
});
