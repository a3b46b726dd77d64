// The arithmetic behind the dashboard's charts: scales, ticks, bins and the days a trend covers.
// Pure functions (no DOM), unit-tested in scale.test.ts.

/** Maps `domain` linearly onto `range`; a zero-width domain maps everything to the range's start. */
export function linear(domain: [number, number], range: [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** Round numbers (1, 2 or 5 × 10^k apart) from `min` to at least `max`, about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let i = 0; ; i++) {
    const v = Number((start + i * step).toFixed(10));
    ticks.push(v);
    if (v >= max) return ticks;
  }
}

/** Durations (minutes) a response-time axis is labelled with, up to the first one ≥ `maxMinutes`. */
const DURATION_STEPS = [15, 30, 60, 120, 240, 480, 720, 1440, 2880];
export function durationTicks(maxMinutes: number): number[] {
  const ticks = [0];
  for (const step of DURATION_STEPS) {
    ticks.push(step);
    if (step >= maxMinutes) break;
  }
  // Keep about five labels: drop every other one from the short end while there are too many.
  while (ticks.length > 6) ticks.splice(1, 1);
  return ticks;
}

/** "45 min", "3 h 20 min", "2 d 4 h". */
export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes == null || !Number.isFinite(minutes)) return '–';
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  if (m < 24 * 60) {
    const h = Math.floor(m / 60);
    const rest = m % 60;
    return rest ? `${h} h ${rest} min` : `${h} h`;
  }
  const d = Math.floor(m / 1440);
  const h = Math.round((m % 1440) / 60);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** The heat-map shade of a cell: 0 for nothing, else 1..levels by its share of the busiest cell. */
export function heatLevel(value: number, max: number, levels = 5): number {
  if (value <= 0 || max <= 0) return 0;
  return Math.min(levels, Math.max(1, Math.ceil((value / max) * levels)));
}

/** `YYYY-MM-DD` plus `days` (calendar arithmetic, no time zone involved). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/**
 * The points of a rate trend over `from..=to`: one per day up to 31 days, one per week (ending
 * on `to`) beyond, so a trend costs at most about 31 report requests.
 */
export function trendBuckets(from: string, to: string): { from: string; to: string }[] {
  const total = daysBetween(from, to);
  if (total <= 0) return [];
  const width = total <= 31 ? 1 : 7;
  const out: { from: string; to: string }[] = [];
  for (let end = to; daysBetween(from, end) > 0; end = addDays(end, -width)) {
    const start = addDays(end, -(width - 1));
    out.push({ from: daysBetween(from, start) > 0 ? start : from, to: end });
  }
  return out.reverse();
}

/** A rate in percent as shown: one decimal, "–" when there was nothing to count. */
export function percent(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '–' : `${value.toFixed(1)} %`;
}
