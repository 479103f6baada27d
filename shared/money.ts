// Money, one vocabulary for every surface: amounts are summed and compared as integer micro-dollars,
// and a dollar figure that leaves the core (an export, --json, the Run sheet, the screen) is rounded to
// whole micro-dollars first, so no float noise (0.000022349999999999998) is ever shown or written.

export function usdToMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function microsToUsd(micros: number): number {
  return micros / 1_000_000;
}

/** A dollar amount rounded to whole micro-dollars: the nearest double prints as the short decimal. */
export function roundUsd(usd: number): number {
  return Number.isFinite(usd) ? microsToUsd(usdToMicros(usd)) : usd;
}

/** Adds dollar amounts in micro-dollars, so a running total carries no float noise. */
export function addUsd(a: number, b: number): number {
  return microsToUsd(usdToMicros(a) + usdToMicros(b));
}

/** "$0.00905", "$2", "$0.000001": exact, no float noise, no trailing zeros. */
export function formatUsd(micros: number): string {
  const whole = Math.trunc(micros / 1_000_000);
  const frac = String(Math.abs(micros) % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return `$${micros < 0 && whole === 0 ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
