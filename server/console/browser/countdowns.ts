/**
 * Counts down each `[data-countdown-until]` (milliseconds since the epoch,
 * the Centre's clock), e.g. a review lease: "4:59 left", then "expired".
 * The offset between the Centre's clock and the browser's is taken from
 * `data-now` so that a skewed laptop clock does not mislead.
 */
export function startCountdowns(doc: Document): void {
  const elements = [...doc.querySelectorAll<HTMLElement>('[data-countdown-until]')];
  if (elements.length === 0) return;
  const tick = (): void => {
    for (const element of elements) {
      const until = Number(element.dataset['countdownUntil']);
      const skew = Number(element.dataset['now'] ?? Date.now()) - Number(element.dataset['renderedAt'] ?? Date.now());
      const left = Math.max(0, until - (Date.now() + skew));
      const seconds = Math.ceil(left / 1000);
      element.textContent = left <= 0 ? 'expired' : `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')} left`;
      element.classList.toggle('expired', left <= 0);
    }
  };
  for (const element of elements) element.dataset['renderedAt'] = String(Date.now());
  tick();
  window.setInterval(tick, 1000);
}
