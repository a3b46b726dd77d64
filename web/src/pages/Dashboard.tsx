// The dashboard: the reports of `/v1/reports/…` as charts, for a period and a channel, each with
// the API's CSV. Loaded lazily (main.tsx): the inbox's first page does not carry it.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { HealthStrip, HeatMap, RateTrend, ResponseDistribution, ResponseTimes } from '../charts/Charts';
import { formatMinutes, percent, trendPoints } from '../charts/scale';
import { reasonLabel } from '../amazon';
import { channelLabel, dateTime, vtrReasonLabel } from '../format';
import { navigate } from '../router';

type Rate = Schemas['ResponseRateReport'];
type Times = Schemas['FirstResponseReport'];
type Volume = Schemas['VolumeBody'];
type Agents = Schemas['AgentReport'];
type Health = Schemas['AccountHealthReport'];
type Resolution = Schemas['ResolutionBody'];
type Claims = Schemas['ClaimBody'];
type Vtr = Schemas['VtrReport'];
type Reviews = Schemas['ReviewRequestReport'];

export const PERIODS = [7, 30, 90] as const;
const CHANNELS = ['amazon', 'ebay', 'shopify'] as const;
const LINES = [
  { value: 95, label: 'healthy 95 %', kind: 'healthy' },
  { value: 90, label: "Amazon's warning 90 %", kind: 'warning' },
];

type ReportPath =
  | '/v1/reports/response-rate'
  | '/v1/reports/first-response'
  | '/v1/reports/volume'
  | '/v1/reports/agents'
  | '/v1/reports/resolution'
  | '/v1/reports/claims'
  | '/v1/reports/sla'
  | '/v1/reports/account-health'
  | '/v1/reports/vtr'
  | '/v1/reports/review-requests';

interface Filters {
  days: number;
  channel: string | null;
}

/** A report's JSON body (its documented answer is JSON or CSV; these calls ask for JSON). */
async function json<T>(call: Promise<{ data?: unknown; error?: unknown }>): Promise<T> {
  const r = await call;
  if (r.data === undefined || typeof r.data === 'string') throw r.error ?? new Error('the report answered no JSON');
  return r.data as T;
}

const query = (f: Filters) => ({ days: f.days, ...(f.channel ? { channel: f.channel } : {}) });

/** Fetches a report as the API's CSV and saves it (the token rides in a header, so no plain link). */
async function downloadCsv(path: ReportPath, params: Record<string, string | number>, name: string): Promise<string | null> {
  const r = await api.GET(path, { params: { query: { ...params, format: 'csv' } }, parseAs: 'text' });
  if (r.error !== undefined) return problemText(r.error);
  const url = URL.createObjectURL(new Blob([r.data as unknown as string], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return null;
}

function CsvButton({ path, params, name, what }: { path: ReportPath; params: Record<string, string | number>; name: string; what: string }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <span class="csv">
      <button type="button" class="btn small secondary" aria-label={`Download ${what} as CSV`} data-csv={name} onClick={async () => setError(await downloadCsv(path, params, name))}>
        CSV
      </button>
      {error ? (
        <span class="error small" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

function Card({ title, id, csv, children, wide }: { title: string; id: string; csv?: ComponentChildren; children: ComponentChildren; wide?: boolean }) {
  return (
    <section class={wide ? 'card report wide' : 'card report'} aria-labelledby={`${id}-title`} data-report={id}>
      <header class="report-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {csv}
      </header>
      {children}
    </section>
  );
}

function Tile({ label, value, hint, level }: { label: string; value: string; hint?: string; level?: string }) {
  return (
    <div class={`tile ${level ?? ''}`}>
      <span class="tile-label">{label}</span>
      <span class="tile-value">{value}</span>
      {hint ? <span class="tile-hint">{hint}</span> : null}
    </div>
  );
}

const level = (rate: number | null | undefined) => (rate == null ? '' : rate < 90 ? 'bad' : rate < 95 ? 'warn' : 'good');

const healthLabel: Record<string, string> = {
  healthy: 'Healthy',
  at_risk: 'At risk',
  below_tenant_line: 'Below your line',
  below_amazon_line: "Below Amazon's line",
};

export function Dashboard({ query: search }: { query: URLSearchParams }) {
  const days = PERIODS.find((p) => String(p) === search.get('days')) ?? 30;
  const channel = CHANNELS.find((c) => c === search.get('channel')) ?? null;
  const filters: Filters = { days, channel };
  const params = query(filters);
  const [error, setError] = useState<string | null>(null);
  const [rate, setRate] = useState<Rate | null>(null);
  const [times, setTimes] = useState<Times | null>(null);
  const [volume, setVolume] = useState<Volume | null>(null);
  const [agents, setAgents] = useState<Agents | null>(null);
  const [health, setHealth] = useState<Health | null>(null);
  const [resolution, setResolution] = useState<Resolution | null>(null);
  const [claims, setClaims] = useState<Claims | null>(null);
  const [vtr, setVtr] = useState<Vtr | null>(null);
  const [reviews, setReviews] = useState<Reviews | null>(null);

  useEffect(() => {
    let gone = false;
    setError(null);
    const fail = (e: unknown) => !gone && setError(problemText(e));
    const q = { params: { query: params } };
    const load = <T,>(call: Promise<{ data?: unknown; error?: unknown }>, into: (v: T) => void) =>
      void json<T>(call).then((v) => !gone && into(v), fail);
    load<Rate>(api.GET('/v1/reports/response-rate', q), setRate);
    load<Times>(api.GET('/v1/reports/first-response', q), setTimes);
    load<Volume>(api.GET('/v1/reports/volume', q), setVolume);
    load<Agents>(api.GET('/v1/reports/agents', q), setAgents);
    load<Resolution>(api.GET('/v1/reports/resolution', q), setResolution);
    load<Claims>(api.GET('/v1/reports/claims', q), setClaims);
    load<Health>(api.GET('/v1/reports/account-health', {}), setHealth);
    load<Vtr>(api.GET('/v1/reports/vtr', q), setVtr);
    // Review requests are Amazon's: the period only.
    load<Reviews>(api.GET('/v1/reports/review-requests', { params: { query: { days } } }), setReviews);
    return () => {
      gone = true;
    };
  }, [days, channel]);

  const set = (change: Partial<Filters>) => {
    const next = { ...filters, ...change };
    const s = new URLSearchParams();
    if (next.days !== 30) s.set('days', String(next.days));
    if (next.channel) s.set('channel', next.channel);
    const qs = s.toString();
    navigate(`/dashboard${qs ? `?${qs}` : ''}`, true);
  };

  // The trend from the report's per-day series: a point per day, per week beyond a month.
  const trend = rate ? trendPoints(rate.daily, rate.window.from, rate.window.to) : null;
  const current = rate?.periods.find((p) => p.period === `last_${days}_days`) ?? null;
  const stem = `${channel ?? 'all'}-${days}d`;
  const timeRows = times
    ? [
        { key: 'all', label: channel ? channelLabel[channel]! : 'All channels', stats: times.overall.calendar },
        ...times.by_account.map((r) => ({ key: r.account, label: r.account.replace(/^acct_/, ''), channel: r.channel, stats: r.calendar })),
      ]
    : [];
  const healthAccounts = (health?.accounts ?? []).filter(() => !channel || channel === 'amazon');

  return (
    <section class="dashboard" aria-labelledby="dashboard-title" aria-busy={!rate}>
      <header class="page-head">
        <div>
          <h1 id="dashboard-title">Dashboard</h1>
          <p class="muted small">
            {rate ? `${rate.window.from} – ${rate.window.to}, days in ${rate.window.time_zone}` : 'Loading the reports…'}
          </p>
        </div>
        <div class="dash-controls">
          <div class="status-tabs" role="group" aria-label="Period">
            {PERIODS.map((p) => (
              <button type="button" key={p} class={p === days ? 'tab active' : 'tab'} aria-pressed={p === days} data-period={p} onClick={() => set({ days: p })}>
                {p} days
              </button>
            ))}
          </div>
          <div class="chips" role="group" aria-label="Channel">
            <button type="button" class={channel ? 'chip' : 'chip on'} aria-pressed={!channel} data-channel-filter="" onClick={() => set({ channel: null })}>
              All channels
            </button>
            {CHANNELS.map((c) => (
              <button type="button" key={c} class={channel === c ? 'chip on' : 'chip'} aria-pressed={channel === c} data-channel-filter={c} onClick={() => set({ channel: c })}>
                {channelLabel[c]}
              </button>
            ))}
          </div>
        </div>
      </header>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}

      <div class="tiles" data-testid="tiles">
        <Tile label={`Answered within 24 h (${days} d)`} value={percent(current?.rate_percent)} hint={current ? `${current.within_24h} of ${current.received - current.pending}; ${current.pending} pending` : undefined} level={level(current?.rate_percent)} />
        <Tile label="Median first response" value={times?.overall.calendar.count ? formatMinutes(times.overall.calendar.median_minutes) : '–'} hint={times ? `p90 ${formatMinutes(times.overall.calendar.p90_minutes)}; working time ${formatMinutes(times.overall.working.median_minutes)}` : undefined} />
        <Tile label="Resolved within 2 exchanges" value={percent(resolution?.rate_percent)} hint={resolution ? `${resolution.within_2_exchanges} of ${resolution.resolved}; target ${resolution.target_percent} %` : undefined} level={resolution?.rate_percent == null ? '' : resolution.rate_percent >= resolution.target_percent ? 'good' : 'warn'} />
        <Tile label="Claim rate" value={percent(claims?.claim_rate_percent)} hint={claims ? `${claims.claims} claim(s), ${claims.orders} orders` : undefined} />
        <Tile label="Buyer messages" value={volume ? String(volume.total) : '–'} hint={volume ? `${(volume.total / days).toFixed(1)} a day` : undefined} />
      </div>

      <div class="report-grid">
        <Card
          wide
          id="rate"
          title="Answered within 24 hours"
          csv={<CsvButton path="/v1/reports/response-rate" params={params} name={`response-rate-${stem}.csv`} what="the response-rate report" />}
        >
          {trend ? <RateTrend points={trend} lines={LINES} /> : <p class="muted loading">Loading the trend…</p>}
          {rate ? (
            <div class="table-scroll" tabIndex={0} role="region" aria-label="Response rate by period (scrolls sideways)">
            <table class="table compact">
              <caption class="sr-only">Response rate by period</caption>
              <thead>
                <tr>
                  <th scope="col">Period</th>
                  <th scope="col">Messages</th>
                  <th scope="col">Within 24 h</th>
                  <th scope="col">Late</th>
                  <th scope="col">Pending</th>
                  <th scope="col">Rate</th>
                </tr>
              </thead>
              <tbody>
                {rate.periods.map((p) => (
                  <tr key={p.period}>
                    <th scope="row">{p.period.replace(/^last_(\d+)_days$/, 'Last $1 days').replace(/^month:/, '')}</th>
                    <td>{p.received}</td>
                    <td>{p.within_24h}</td>
                    <td>{p.late}</td>
                    <td>{p.pending}</td>
                    <td class={`rate ${level(p.rate_percent)}`}>{percent(p.rate_percent)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          ) : null}
        </Card>

        <Card id="health" title="Account health forecast" csv={<CsvButton path="/v1/reports/account-health" params={{}} name="account-health.csv" what="the account-health forecast" />}>
          {!health ? (
            <p class="muted loading">Loading…</p>
          ) : healthAccounts.length === 0 ? (
            <p class="muted">No Amazon account in this view.</p>
          ) : (
            <ul class="health-list">
              {healthAccounts.map((a) => (
                <li key={a.account} class={`health status-${a.status}`} data-account={a.account}>
                  <div class="health-head">
                    <strong>{a.account.replace(/^acct_/, '')}</strong>
                    <span class={`badge health-badge status-${a.status}`}>{healthLabel[a.status] ?? a.status}</span>
                  </div>
                  <p class="health-figures">
                    <span class="big">{percent(a.month_to_date.rate_percent)}</span> {a.month} to date
                  </p>
                  <HealthStrip current={a.month_to_date.rate_percent ?? null} projected={a.projected_rate_percent ?? null} lines={[a.amazon_line_percent, a.tenant_line_percent]} />
                  <p class="small muted">
                    {a.due_soon
                      ? `${a.due_soon} message${a.due_soon === 1 ? '' : 's'} due within ${a.horizon_hours} h${a.next_due_at ? ` (first at ${dateTime(a.next_due_at)})` : ''}: if missed, ${percent(a.projected_rate_percent)}.`
                      : `Nothing due within ${a.horizon_hours} h.`}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card id="times" title="First response time" csv={<CsvButton path="/v1/reports/first-response" params={params} name={`first-response-${stem}.csv`} what="the first-response report" />}>
          {times ? (
            <>
              <ResponseTimes rows={timeRows} />
              <h3 class="chart-title">How long first responses took</h3>
              <ResponseDistribution buckets={times.distribution} />
            </>
          ) : (
            <p class="muted loading">Loading…</p>
          )}
        </Card>

        <Card wide id="vtr" title="Valid tracking (VTR)" csv={<CsvButton path="/v1/reports/vtr" params={params} name={`vtr-${stem}.csv`} what="the VTR watch" />}>
          {!vtr ? <p class="muted loading">Loading…</p> : <VtrWatch report={vtr} />}
        </Card>

        {!channel || channel === 'amazon' ? (
          <Card id="reviews" title="Review requests (Amazon)" csv={<CsvButton path="/v1/reports/review-requests" params={{ days }} name={`review-requests-${days}d.csv`} what="the review-request report" />}>
            {!reviews ? <p class="muted loading">Loading…</p> : <ReviewReport report={reviews} />}
          </Card>
        ) : null}

        <Card wide id="volume" title="Buyer messages by hour and weekday" csv={<CsvButton path="/v1/reports/volume" params={params} name={`volume-${stem}.csv`} what="the volume report" />}>
          {volume ? <HeatMap cells={volume.cells} /> : <p class="muted loading">Loading…</p>}
        </Card>

        <Card wide id="agents" title="Agents" csv={<CsvButton path="/v1/reports/agents" params={params} name={`agents-${stem}.csv`} what="the per-agent report" />}>
          {!agents ? (
            <p class="muted loading">Loading…</p>
          ) : agents.agents.length === 0 ? (
            <p class="muted">No agent handled a message in this period.</p>
          ) : (
            <div class="table-scroll" tabIndex={0} role="region" aria-label="Agents table (scrolls sideways)">
              <table class="table agents" data-testid="agents-table">
                <caption class="sr-only">Per-agent figures</caption>
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Answered</th>
                    <th scope="col">No response needed</th>
                    <th scope="col">Within 24 h</th>
                    <th scope="col">Median first response</th>
                    <th scope="col">p90</th>
                    <th scope="col">Resolved (≤ 2 exchanges)</th>
                    <th scope="col">SLA hit / missed</th>
                  </tr>
                </thead>
                <tbody>
                  {agents.agents.map((a) => (
                    <tr key={a.agent} data-agent={a.agent}>
                      <th scope="row">
                        <span class="avatar" aria-hidden="true">
                          {a.agent.slice(0, 2).toUpperCase()}
                        </span>{' '}
                        {a.agent}
                      </th>
                      <td>{a.answered}</td>
                      <td>{a.no_response_needed}</td>
                      <td class={`rate ${level(a.within_24h_percent)}`}>{percent(a.within_24h_percent)}</td>
                      <td>{formatMinutes(a.first_response.calendar.median_minutes)}</td>
                      <td>{formatMinutes(a.first_response.calendar.p90_minutes)}</td>
                      <td>
                        {a.resolved} ({a.resolved_within_2_exchanges})
                      </td>
                      <td>
                        {a.sla_hit} / {a.sla_missed}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </section>
  );
}

/** What became of the period's review requests: sent, failed, skipped by the tenant's rules
 * (by reason) and not eligible (by reason). */
function ReviewReport({ report }: { report: Reviews }) {
  const c = report.counts;
  const skipped = Object.entries(c.skipped).sort((a, b) => b[1] - a[1]);
  const notEligible = Object.entries(c.not_eligible).sort((a, b) => b[1] - a[1]);
  const skippedTotal = skipped.reduce((n, [, k]) => n + k, 0);
  const notEligibleTotal = notEligible.reduce((n, [, k]) => n + k, 0);
  const rows = (entries: [string, number][], kind: string) =>
    entries.map(([reason, n]) => (
      <tr key={`${kind}:${reason}`} data-reason={reason} data-kind={kind}>
        <th scope="row">{reasonLabel(reason)}</th>
        <td>{n}</td>
      </tr>
    ));
  return (
    <>
      <p class="small muted">
        {report.from} – {report.to} (UTC days). Off until opted in under Settings → Review requests.
      </p>
      <div class="tiles small-tiles" data-testid="review-tiles">
        <Tile label="Sent" value={String(c.sent)} />
        <Tile label="Failed" value={String(c.failed)} level={c.failed ? 'bad' : ''} />
        <Tile label="Skipped" value={String(skippedTotal)} hint="by your rules" />
        <Tile label="Not eligible" value={String(notEligibleTotal)} />
      </div>
      {skipped.length || notEligible.length ? (
        <table class="table compact" data-testid="review-reasons">
          <caption class="sr-only">Review requests skipped and not eligible, by reason</caption>
          <tbody>
            {skipped.length ? (
              <tr>
                <th scope="rowgroup" colSpan={2}>
                  Skipped by your rules
                </th>
              </tr>
            ) : null}
            {rows(skipped, 'skipped')}
            {notEligible.length ? (
              <tr>
                <th scope="rowgroup" colSpan={2}>
                  Not eligible
                </th>
              </tr>
            ) : null}
            {rows(notEligible, 'not_eligible')}
          </tbody>
        </table>
      ) : c.sent === 0 && c.failed === 0 ? (
        <p class="muted small">No review request was due in this period.</p>
      ) : null}
    </>
  );
}

/** The VTR watch: per account, the merchant-fulfilled orders shipped in the period against
 * Amazon's 95 % line, and those without valid tracking with why. */
function VtrWatch({ report }: { report: Vtr }) {
  const accounts = report.accounts.filter((a) => a.shipped > 0);
  if (accounts.length === 0) return <p class="muted">Nothing shipped by you (merchant-fulfilled) in this period.</p>;
  return (
    <>
      <p class="small muted vtr-intro">
        Merchant-fulfilled orders shipped in the period with a tracking number, a known carrier and a carrier scan within 48 h. Amazon expects at least 95 %.
      </p>
      {report.truncated ? (
        <p class="small warn-text" role="note">
          More orders shipped than the watch reads: the figures cover the oldest ones. Choose a shorter period.
        </p>
      ) : null}
      <ul class="health-list vtr-list">
        {accounts.map((a) => {
          const status = a.below_line ? 'below_amazon_line' : 'healthy';
          return (
            <li key={a.account} class={`health vtr status-${status}`} data-vtr-account={a.account} data-below-line={a.below_line}>
              <div class="health-head">
                <strong>{a.account.replace(/^acct_/, '')}</strong>
                <span class={`badge health-badge status-${status}`}>{a.below_line ? `Below the ${a.amazon_line_percent} % line` : `At or above ${a.amazon_line_percent} %`}</span>
              </div>
              <p class="health-figures">
                <span class={`big rate ${a.below_line ? 'bad' : 'good'}`}>{percent(a.rate_percent)}</span> valid tracking: {a.valid} of {a.shipped} shipped
              </p>
              <HealthStrip current={a.rate_percent ?? null} projected={null} lines={[a.amazon_line_percent]} />
              {a.invalid.length === 0 ? (
                <p class="small muted">Every shipped order has valid tracking.</p>
              ) : (
                <div class="table-scroll" tabIndex={0} role="region" aria-label={`Orders of ${a.account.replace(/^acct_/, '')} without valid tracking (scrolls sideways)`}>
                  <table class="table compact vtr-table">
                    <caption class="sr-only">Orders of {a.account.replace(/^acct_/, '')} without valid tracking</caption>
                    <thead>
                      <tr>
                        <th scope="col">Order</th>
                        <th scope="col">Why</th>
                        <th scope="col">Carrier</th>
                        <th scope="col">Tracking number</th>
                        <th scope="col">Shipped</th>
                      </tr>
                    </thead>
                    <tbody>
                      {a.invalid.map((o) => (
                        <tr key={`${o.channel}:${o.order}`} data-order={o.order} data-reason={o.reason}>
                          <th scope="row" class="code">
                            {o.order}
                          </th>
                          <td>
                            <span class="badge vtr-reason">{vtrReasonLabel[o.reason] ?? o.reason}</span>
                          </td>
                          <td>{o.carrier || <span class="muted">none</span>}</td>
                          <td class="code">{o.tracking_number.trim() || <span class="muted">none</span>}</td>
                          <td>{dateTime(o.shipped_at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}
