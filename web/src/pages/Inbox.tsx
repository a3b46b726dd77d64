import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, problemText, type Counts, type Ticket } from '../api/client';
import { Avatar, ChannelBadge, Countdown, PriorityBadge, RiskMarker, Tags } from '../components/Badges';
import { ago, CHANNELS, channelLabel, intentLabel } from '../format';
import { useNow, usePoll } from '../hooks';
import { navigate } from '../router';
import { slaLevel } from '../sla';
import { session } from '../auth';

/** How often the inbox asks whether it changed (a 304 costs no body). */
export const POLL_MS = 10_000;

type Level = 'all' | 'ok' | 'warning' | 'breached';

export interface InboxFilters {
  status: 'open' | 'pending' | 'resolved';
  channel: string;
  level: Level;
  mine: boolean;
  tag: string;
}

function filtersFrom(q: URLSearchParams): InboxFilters {
  const status = q.get('status');
  const level = q.get('sla');
  return {
    status: status === 'pending' || status === 'resolved' ? status : 'open',
    channel: q.get('channel') ?? '',
    level: level === 'ok' || level === 'warning' || level === 'breached' ? level : 'all',
    mine: q.get('mine') === '1',
    tag: q.get('tag') ?? '',
  };
}

function toQuery(f: InboxFilters): string {
  const q = new URLSearchParams();
  if (f.status !== 'open') q.set('status', f.status);
  if (f.channel) q.set('channel', f.channel);
  if (f.level !== 'all') q.set('sla', f.level);
  if (f.mine) q.set('mine', '1');
  if (f.tag) q.set('tag', f.tag);
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

export function Inbox({ query, accounts }: { query: URLSearchParams; accounts: Record<string, string> }) {
  const filters = filtersFrom(query);
  const now = useNow(1000);
  const [tickets, setTickets] = useState<Ticket[] | null>(null);
  const [more, setMore] = useState<Ticket[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [counts, setCounts] = useState<Counts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState(0);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const etags = useRef<{ list?: string; counts?: string }>({});
  const known = useRef<Set<string> | null>(null);
  const me = session()?.user ?? '';
  const key = JSON.stringify(filters);

  useEffect(() => {
    etags.current = {};
    known.current = null;
    setTickets(null);
    setMore([]);
    setSelected(0);
  }, [key]);

  usePoll(
    async () => {
      const params = {
        status: filters.status,
        limit: 50,
        channel: filters.channel || undefined,
        tag: filters.tag || undefined,
        assignee: filters.mine ? me : undefined,
        overdue: filters.level === 'breached' ? true : undefined,
      } as const;
      const list = await api.GET('/v1/tickets', {
        params: { query: params },
        headers: etags.current.list ? { 'If-None-Match': etags.current.list } : {},
      });
      if (list.response.status === 304) {
        // unchanged: nothing to parse
      } else if (list.data) {
        etags.current.list = list.response.headers.get('ETag') ?? undefined;
        const items = list.data.items;
        if (known.current) {
          const seen = known.current;
          setFresh(new Set(items.filter((t) => !seen.has(t.id)).map((t) => t.id)));
        }
        known.current = new Set(items.map((t) => t.id));
        setTickets(items);
        setCursor(list.data.next_cursor ?? null);
        setError(null);
      } else {
        setError(problemText(list.error));
      }
      const c = await api.GET('/v1/tickets/counts', {
        headers: etags.current.counts ? { 'If-None-Match': etags.current.counts } : {},
      });
      if (c.data && c.response.status === 200) {
        etags.current.counts = c.response.headers.get('ETag') ?? undefined;
        setCounts(c.data);
      }
    },
    POLL_MS,
    [key],
  );

  const all = useMemo(() => [...(tickets ?? []), ...more], [tickets, more]);
  const shown = useMemo(
    () => (filters.level === 'all' ? all : all.filter((t) => slaLevel(t.sla, now) === filters.level)),
    // the level filter is re-evaluated as clocks run
    [all, filters.level, Math.floor(now / 10_000)],
  );

  const loadMore = async () => {
    if (!cursor) return;
    const r = await api.GET('/v1/tickets', {
      params: {
        query: {
          status: filters.status,
          limit: 50,
          cursor,
          channel: filters.channel || undefined,
          tag: filters.tag || undefined,
          assignee: filters.mine ? me : undefined,
          overdue: filters.level === 'breached' ? true : undefined,
        },
      },
    });
    if (r.data) {
      setMore((m) => [...m, ...r.data.items]);
      setCursor(r.data.next_cursor ?? null);
    }
  };

  // j/k move, Enter opens, r opens with the composer focused.
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (el.closest('input, textarea, select, [contenteditable]') || e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === 'j') setSelected((i) => Math.min(i + 1, Math.max(0, shown.length - 1)));
      else if (e.key === 'k') setSelected((i) => Math.max(0, i - 1));
      else if ((e.key === 'Enter' || e.key === 'r') && shown[selected]) {
        e.preventDefault();
        navigate(`/tickets/${shown[selected].id}${e.key === 'r' ? '?reply=1' : ''}`);
      } else return;
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [shown, selected]);

  useEffect(() => {
    document.querySelector(`[data-row="${selected}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const set = (patch: Partial<InboxFilters>) => navigate(toQuery({ ...filters, ...patch }), true);
  const bucket = filters.status === 'resolved' ? null : counts?.[filters.status];
  const levelCount = (l: Level) => {
    if (!bucket) return undefined;
    const b = filters.channel ? bucket.by_channel?.[filters.channel] : bucket;
    if (!b) return 0;
    return l === 'all' ? b.total : b[l];
  };

  return (
    <section class="inbox" aria-labelledby="inbox-title">
      <header class="page-head">
        <h1 id="inbox-title">Inbox</h1>
        <div class="status-tabs" role="tablist" aria-label="Status">
          {(['open', 'pending', 'resolved'] as const).map((s) => (
            <button
              key={s}
              role="tab"
              aria-selected={filters.status === s}
              class={filters.status === s ? 'tab active' : 'tab'}
              onClick={() => set({ status: s })}
            >
              {s[0]!.toUpperCase() + s.slice(1)}
              {s !== 'resolved' && counts ? <span class="count">{counts[s].total}</span> : null}
            </button>
          ))}
        </div>
      </header>

      <div class="filters" aria-label="Filters">
        <div class="chips" role="group" aria-label="Channel">
          <button class={!filters.channel ? 'chip on' : 'chip'} aria-pressed={!filters.channel} onClick={() => set({ channel: '' })}>
            All channels {bucket ? <span class="count">{bucket.total}</span> : null}
          </button>
          {CHANNELS.filter((c) => c !== 'email' || bucket?.by_channel?.email).map((c) => (
            <button
              key={c}
              class={filters.channel === c ? `chip on chip-${c}` : `chip chip-${c}`}
              aria-pressed={filters.channel === c}
              data-filter-channel={c}
              onClick={() => set({ channel: filters.channel === c ? '' : c })}
            >
              {channelLabel[c]} {bucket ? <span class="count">{bucket.by_channel?.[c]?.total ?? 0}</span> : null}
            </button>
          ))}
        </div>
        <div class="chips" role="group" aria-label="SLA state">
          {(['all', 'breached', 'warning', 'ok'] as const).map((l) => (
            <button
              key={l}
              class={filters.level === l ? `chip on lvl-${l}` : `chip lvl-${l}`}
              aria-pressed={filters.level === l}
              data-filter-level={l}
              onClick={() => set({ level: l })}
            >
              {l === 'all' ? 'Any SLA' : l === 'ok' ? 'On time' : l === 'warning' ? 'At risk' : 'Overdue'}
              {levelCount(l) !== undefined ? <span class="count">{levelCount(l)}</span> : null}
            </button>
          ))}
        </div>
        <div class="chips">
          <button class={filters.mine ? 'chip on' : 'chip'} aria-pressed={filters.mine} onClick={() => set({ mine: !filters.mine })}>
            Assigned to me
          </button>
          <label class="tag-filter">
            <span class="sr-only">Tag</span>
            <input
              type="search"
              placeholder="Tag…"
              value={filters.tag}
              onChange={(e) => set({ tag: (e.target as HTMLInputElement).value.trim() })}
            />
          </label>
        </div>
      </div>

      {error ? <p class="error" role="alert">{error}</p> : null}
      {tickets === null && !error ? <p class="muted loading">Loading tickets…</p> : null}
      {tickets !== null && shown.length === 0 ? (
        <div class="empty-state">
          <p>Nothing here. {filters.status === 'open' ? 'Every buyer has an answer.' : ''}</p>
        </div>
      ) : null}

      <ol class="ticket-list" aria-label="Tickets">
        {shown.map((t, i) => (
          <li
            key={t.id}
            data-row={i}
            data-ticket={t.id}
            data-channel={t.channel}
            class={`ticket-row${i === selected ? ' selected' : ''}${fresh.has(t.id) ? ' fresh' : ''}`}
            onClick={() => setSelected(i)}
          >
            <Countdown sla={t.sla} now={now} />
            <div class="row-main">
              <a class="subject" href={`/tickets/${t.id}`} aria-current={i === selected ? 'true' : undefined}>
                {t.subject || '(no subject)'}
              </a>
              <div class="row-meta">
                <ChannelBadge channel={t.channel} marketplace={accounts[t.account]} />
                <RiskMarker risk={t.risk} />
                <PriorityBadge priority={t.priority} />
                {t.intent ? <span class="intent">{intentLabel(t.intent)}</span> : null}
                <Tags tags={t.tags} />
              </div>
            </div>
            <div class="row-side">
              <Avatar name={t.assignee} />
              <span class="muted small">{ago(t.last_buyer_message_at ?? t.updated_at, now)}</span>
            </div>
          </li>
        ))}
      </ol>
      {cursor ? (
        <button class="btn secondary more" onClick={loadMore}>
          Load more
        </button>
      ) : null}
      <p class="hint muted small" aria-hidden="true">
        <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>r</kbd> reply
      </p>
    </section>
  );
}
