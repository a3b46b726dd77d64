// Small hand-made SVG/HTML charts for the dashboard (no chart library: a few hundred lines keep
// the lazy dashboard chunk small). Each chart has a text alternative: a title and a summary for
// screen readers, and the figures in a table.
import { useWidth } from '../hooks';
import { bucketLabel, durationTicks, formatMinutes, heatLevel, linear, percent } from './scale';

export interface TrendPoint {
  from: string;
  to: string;
  rate: number | null;
  received: number;
}

const shortDay = (day: string) => {
  const d = new Date(`${day}T12:00:00Z`);
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
};

/** The within-24 h rate per day (or week) with the 95 % (healthy) and 90 % (Amazon's warning) lines. */
export function RateTrend({ points, lines }: { points: TrendPoint[]; lines: { value: number; label: string; kind: string }[] }) {
  // Drawn at the figure's real width, so labels stay readable on a phone.
  const [ref, width] = useWidth<HTMLElement>(960);
  const W = Math.max(280, width);
  const H = W < 560 ? 220 : 260;
  const pad = { l: 44, r: 12, t: 12, b: 28 };
  const rates = points.map((p) => p.rate).filter((r): r is number => r != null);
  const low = Math.max(0, Math.floor(Math.min(85, ...rates) / 5) * 5);
  const y = linear([low, 100], [H - pad.b, pad.t]);
  const x = linear([0, Math.max(1, points.length - 1)], [pad.l, W - pad.r]);
  const yTicks: number[] = [];
  for (let v = low; v <= 100; v += low <= 50 ? 20 : 5) yTicks.push(v);
  // Gaps where a day had nothing to count.
  const segments: string[] = [];
  let current = '';
  points.forEach((p, i) => {
    if (p.rate == null) {
      if (current) segments.push(current);
      current = '';
      return;
    }
    current += `${current ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.rate).toFixed(1)}`;
  });
  if (current) segments.push(current);
  // About one date label per 70 px.
  const every = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor((W - pad.l - pad.r) / 70))));
  const last = [...points].reverse().find((p) => p.rate != null);
  const summary = last
    ? `Latest ${percent(last.rate)} on ${shortDay(last.to)}; ${points.filter((p) => p.rate != null && p.rate < 90).length} of ${points.length} points under 90 %.`
    : 'No messages to count in this period.';
  return (
    <figure class="chart" data-chart="rate-trend" ref={ref}>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`Response rate within 24 hours. ${summary}`} preserveAspectRatio="xMidYMid meet">
        {yTicks.map((v) => (
          <g key={v} class="grid">
            <line x1={pad.l} x2={W - pad.r} y1={y(v)} y2={y(v)} />
            <text x={pad.l - 6} y={y(v) + 4} text-anchor="end">
              {v} %
            </text>
          </g>
        ))}
        {lines.map((l) => (
          <g key={l.value} class={`threshold ${l.kind}`} data-line={l.value}>
            <line x1={pad.l} x2={W - pad.r} y1={y(l.value)} y2={y(l.value)} />
            <text x={W - pad.r - 4} y={y(l.value) - 4} text-anchor="end">
              {l.label}
            </text>
          </g>
        ))}
        {segments.map((d, i) => (
          <path key={i} class="series" d={d} />
        ))}
        {points.map((p, i) =>
          p.rate == null ? null : (
            <circle key={p.to} class={p.rate < 90 ? 'point bad' : p.rate < 95 ? 'point warn' : 'point'} cx={x(i)} cy={y(p.rate)} r={3.5}>
              <title>{`${p.from === p.to ? shortDay(p.to) : `${shortDay(p.from)} – ${shortDay(p.to)}`}: ${percent(p.rate)} of ${p.received}`}</title>
            </circle>
          ),
        )}
        {points.map((p, i) =>
          // Labelled from the last point back, so the latest day always has its label.
          (points.length - 1 - i) % every === 0 ? (
            <text key={`l${p.to}`} class="axis" x={x(i)} y={H - 8} text-anchor="middle">
              {shortDay(p.to)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption class="legend">
        <span class="key series">within 24 h</span>
        {lines.map((l) => (
          <span key={l.value} class={`key ${l.kind}`}>
            {l.label}
          </span>
        ))}
      </figcaption>
      <div class="sr-only">
        <table>
          <caption>Response rate within 24 hours by {points.length && points[0]!.from !== points[0]!.to ? 'week' : 'day'}</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">Messages</th>
              <th scope="col">Within 24 h</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.to}>
                <td>{p.from === p.to ? p.to : `${p.from} – ${p.to}`}</td>
                <td>{p.received}</td>
                <td>{percent(p.rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

export interface TimeStats {
  count: number;
  median_minutes?: number | null;
  p90_minutes?: number | null;
  average_seconds?: number | null;
  median_over_48h: boolean;
  p90_over_48h: boolean;
}

/** First-response times per row: the bar reaches the p90, the dark mark is the median, the tick the average. */
export function ResponseTimes({ rows }: { rows: { key: string; label: string; channel?: string; stats: TimeStats }[] }) {
  const [ref, width] = useWidth<HTMLElement>(480);
  const longest = Math.max(60, ...rows.map((r) => Math.max(r.stats.p90_minutes ?? 0, (r.stats.average_seconds ?? 0) / 60)));
  // The track is what the label and figure columns leave; one axis label per ~44 px of it.
  const ticks = durationTicks(longest, Math.max(3, Math.floor((width - 230) / 44)));
  const end = ticks[ticks.length - 1]!;
  const x = linear([0, end], [0, 100]);
  const pct = (m: number) => `${Math.min(100, x(m)).toFixed(2)}%`;
  return (
    <figure class="chart times" data-chart="first-response" ref={ref}>
      <div class="times-rows" role="list">
        {rows.map((r) => {
          const s = r.stats;
          const text = s.count
            ? `median ${formatMinutes(s.median_minutes)}${s.median_over_48h ? '+' : ''}, p90 ${formatMinutes(s.p90_minutes)}${s.p90_over_48h ? '+' : ''}, average ${formatMinutes((s.average_seconds ?? 0) / 60)}, ${s.count} first responses`
            : 'no first responses';
          return (
            <div class="times-row" role="listitem" key={r.key} data-row={r.key} aria-label={`${r.label}: ${text}`}>
              <span class="times-label">
                {r.channel ? <span class={`dot-key channel-${r.channel}`} aria-hidden="true" /> : null}
                {r.label}
              </span>
              <span class="times-track" aria-hidden="true">
                {s.count ? (
                  <>
                    <span class="times-bar" style={{ width: pct(s.p90_minutes ?? 0) }} />
                    <span class="times-median" style={{ left: pct(s.median_minutes ?? 0) }} />
                    <span class="times-avg" style={{ left: pct((s.average_seconds ?? 0) / 60) }} />
                  </>
                ) : null}
              </span>
              <span class="times-figure">{s.count ? formatMinutes(s.median_minutes) : '–'}</span>
            </div>
          );
        })}
      </div>
      <div class="times-axis" aria-hidden="true">
        {ticks.map((t) => (
          <span key={t} style={{ left: pct(t) }}>
            {t === 0 ? '0' : formatMinutes(t)}
          </span>
        ))}
      </div>
      <figcaption class="legend">
        <span class="key bar">to the 90th percentile</span>
        <span class="key median">median</span>
        <span class="key avg">average</span>
      </figcaption>
    </figure>
  );
}

export interface TimeBucket {
  under_minutes?: number | null;
  calendar: number;
  working: number;
}

/** How first responses spread over time buckets: a bar per bucket, calendar and working time side by side. */
export function ResponseDistribution({ buckets }: { buckets: TimeBucket[] }) {
  const max = Math.max(1, ...buckets.flatMap((b) => [b.calendar, b.working]));
  const total = buckets.reduce((n, b) => n + b.calendar, 0);
  const labelled = buckets.map((b, i) => ({ ...b, label: bucketLabel(i === 0 ? 0 : (buckets[i - 1]!.under_minutes ?? 0), b.under_minutes) }));
  const height = (n: number) => `${((n / max) * 100).toFixed(1)}%`;
  return (
    <figure class="chart dist" data-chart="first-response-distribution">
      <div class="dist-bars" aria-hidden="true">
        {labelled.map((b) => (
          <div class="dist-col" key={b.label} data-bucket={b.under_minutes ?? 'over'}>
            <div class="dist-pair">
              <span class="dist-bar calendar" style={{ height: height(b.calendar) }} title={`${b.label}: ${b.calendar} (calendar time)`} />
              <span class="dist-bar working" style={{ height: height(b.working) }} title={`${b.label}: ${b.working} (working time)`} />
            </div>
            <span class="dist-count">{b.calendar}</span>
            <span class="dist-label">{b.label}</span>
          </div>
        ))}
      </div>
      <figcaption class="legend">
        <span class="key calendar">calendar time</span>
        <span class="key working">working time</span>
        <span class="muted">{total} first responses</span>
      </figcaption>
      <table class="sr-only">
        <caption>First responses by time taken</caption>
        <thead>
          <tr>
            <th scope="col">Time taken</th>
            <th scope="col">Calendar time</th>
            <th scope="col">Working time</th>
          </tr>
        </thead>
        <tbody>
          {labelled.map((b) => (
            <tr key={b.label}>
              <th scope="row">{b.label}</th>
              <td>{b.calendar}</td>
              <td>{b.working}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Buyer messages by local hour and weekday, as a table whose cells are shaded by volume. */
export function HeatMap({ cells }: { cells: { weekday: number; hour: number; messages: number }[] }) {
  const grid = WEEKDAYS.map(() => Array.from({ length: 24 }, () => 0));
  for (const c of cells) if (grid[c.weekday] && c.hour >= 0 && c.hour < 24) grid[c.weekday]![c.hour] = c.messages;
  const max = Math.max(0, ...grid.flat());
  return (
    <figure class="chart heat" data-chart="heat-map">
      <div class="heat-scroll" tabIndex={0} role="region" aria-label="Messages by hour and weekday (scrolls sideways)">
        <table class="heat-table">
          <caption class="sr-only">Buyer messages by local hour (columns) and weekday (rows)</caption>
          <thead>
            <tr>
              <td />
              {grid[0]!.map((_, h) => (
                <th key={h} scope="col" abbr={`${h}:00`}>
                  {h % 3 === 0 ? h : <span class="sr-only">{h}</span>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grid.map((row, d) => (
              <tr key={d}>
                <th scope="row">{WEEKDAYS[d]}</th>
                {row.map((v, h) => (
                  <td key={h} class={`heat-${heatLevel(v, max)}`} data-cell={`${d}-${h}`} title={`${WEEKDAYS[d]} ${h}:00 – ${v} message${v === 1 ? '' : 's'}`}>
                    <span class="sr-only">{v}</span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <figcaption class="legend heat-legend">
        <span>fewer</span>
        {[1, 2, 3, 4, 5].map((l) => (
          <span key={l} class={`swatch heat-${l}`} aria-hidden="true" />
        ))}
        <span>more (busiest hour: {max})</span>
      </figcaption>
    </figure>
  );
}

/** A rate on a 80–100 % strip with the two lines, now and as projected. */
export function HealthStrip({ current, projected, lines }: { current: number | null; projected: number | null; lines: number[] }) {
  const low = Math.max(0, Math.floor(Math.min(80, current ?? 100, projected ?? 100) / 5) * 5);
  const x = linear([low, 100], [0, 100]);
  const at = (v: number) => `${Math.max(0, Math.min(100, x(v))).toFixed(2)}%`;
  return (
    <div class="strip" aria-hidden="true">
      {lines.map((l) => (
        <span key={l} class={`strip-line line-${l}`} style={{ left: at(l) }}>
          <span>{l}</span>
        </span>
      ))}
      {projected != null ? <span class="strip-mark projected" style={{ left: at(projected) }} /> : null}
      {current != null ? <span class="strip-mark current" style={{ left: at(current) }} /> : null}
      <span class="strip-low">{low} %</span>
    </div>
  );
}
