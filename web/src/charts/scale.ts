// The arithmetic behind the dashboard's charts: scales, ticks, bins and the days a trend covers.
// Pure functions (no DOM), unit-tested in scale.test.ts.
import { formatDuration } from '../sla';

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
export function durationTicks(maxMinutes: number, most = 6): number[] {
  const ticks = [0];
  for (const step of DURATION_STEPS) {
    ticks.push(step);
    if (step >= maxMinutes) break;
  }
  // At most `most` labels (0 and the end always): drop from the short end while there are too many.
  while (ticks.length > Math.max(2, most)) ticks.splice(1, 1);
  return ticks;
}

/** A report's minutes as the app writes durations ("45m", "3h 20m", "2d 4h"); "–" for none. */
export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes == null || !Number.isFinite(minutes)) return '–';
  return formatDuration(minutes * 60, 'minutes');
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
 * The buckets of a rate trend over `from..=to`: one per day up to 31 days, one per week (ending
 * on `to`) beyond.
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

/** One day of the response-rate report's `daily` series (the counts a rate is made of). */
export interface DayFigures {
  day: string;
  received: number;
  within_24h: number;
  pending: number;
}

/**
 * The trend's points from the report's per-day series: each bucket's days summed, its rate
 * `within / (received - pending)`, null when nothing was there to count.
 */
export function trendPoints(daily: DayFigures[], from: string, to: string): { from: string; to: string; rate: number | null; received: number }[] {
  return trendBuckets(from, to).map((b) => {
    let received = 0;
    let within = 0;
    let pending = 0;
    for (const d of daily) {
      if (d.day >= b.from && d.day <= b.to) {
        received += d.received;
        within += d.within_24h;
        pending += d.pending;
      }
    }
    const counted = received - pending;
    return { ...b, received, rate: counted > 0 ? (within * 100) / counted : null };
  });
}

/** The label of a first-response distribution bucket: "< 15m", "1h – 4h", "2d+". */
export function bucketLabel(lower: number, under: number | null | undefined): string {
  if (under == null) return `${formatMinutes(lower)}+`;
  if (lower === 0) return `< ${formatMinutes(under)}`;
  return `${formatMinutes(lower)} – ${formatMinutes(under)}`;
}

/** A rate in percent as shown: one decimal, "–" when there was nothing to count. */
export function percent(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? '–' : `${value.toFixed(1)} %`;
}
