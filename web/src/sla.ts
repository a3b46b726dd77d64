// The SLA level and countdown of a ticket, as the API computes them (marketdesk
// `domain::badges::SlaLevel` and the ticket view's `SlaSummary`): breached once the marketplace
// deadline passed (or the ticket is marked breached), warning once the team's internal deadline
// passed or the last fifth of the window is used, ok otherwise. A paused clock (waiting on the
// buyer) is judged at the instant it paused.

export type SlaLevel = 'ok' | 'warning' | 'breached' | 'none' | 'paused' | 'answered';

/** The SLA fields of a ticket (a subset of the API's `SlaState`). */
export interface SlaFields {
  due_at?: string | null;
  internal_due_at?: string | null;
  clock_started_at?: string | null;
  paused_at?: string | null;
  first_response_at?: string | null;
  breached?: boolean;
}

/** The share of the window after which a ticket without an internal deadline warns. */
export const WARNING_SHARE = 0.8;

const ms = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/** The instant the clock is read at: `now`, or when it paused if that is earlier. */
export function clockNow(sla: SlaFields, now: number): number {
  const paused = ms(sla.paused_at);
  return paused === null ? now : Math.min(paused, now);
}

/** The API's level (`ok`, `warning`, `breached`) at `now` (milliseconds since the epoch). */
export function slaLevel(sla: SlaFields, now: number): 'ok' | 'warning' | 'breached' {
  const at = clockNow(sla, now);
  const due = ms(sla.due_at);
  if (sla.breached || (due !== null && at >= due)) return 'breached';
  const internal = ms(sla.internal_due_at);
  if (internal !== null && at >= internal) return 'warning';
  const start = ms(sla.clock_started_at);
  if (start !== null && due !== null) {
    const window = Math.floor((due - start) / 1000);
    const used = Math.floor((at - start) / 1000);
    if (window > 0 && used >= window * WARNING_SHARE) return 'warning';
  }
  return 'ok';
}

/** Seconds left to the marketplace deadline (negative once passed); null when no clock runs. */
export function remainingSeconds(sla: SlaFields, now: number): number | null {
  const due = ms(sla.due_at);
  if (due === null) return null;
  return Math.trunc((due - clockNow(sla, now)) / 1000);
}

/** "2d 3h", "3h 05m", "12m 09s", "45s": the two largest units of a duration in seconds. */
/**
 * The one way a duration is written in the app: "3h 05m", "2d 3h", and below an hour "12m 09s"
 * (countdowns, to the second) or "12m" and "3h" (reports, to the minute).
 */
export function formatDuration(seconds: number, precision: 'seconds' | 'minutes' = 'seconds'): string {
  const s = Math.max(0, precision === 'minutes' ? Math.round(Math.abs(seconds) / 60) * 60 : Math.floor(Math.abs(seconds)));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return h ? `${d}d ${h}h` : `${d}d`;
  if (precision === 'minutes') return h ? (m ? `${h}h ${pad(m)}m` : `${h}h`) : `${m}m`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(sec)}s`;
  return `${sec}s`;
}

export interface Countdown {
  /** What the inbox colours the clock by. */
  level: SlaLevel;
  /** "3h 05m", "overdue +1h 10m", "paused · 2h 00m", "answered", "no deadline". */
  label: string;
  /** Seconds left (negative: overdue); null without a deadline. */
  remaining: number | null;
}

/** The countdown shown for a ticket at `now`. */
export function countdown(sla: SlaFields, now: number): Countdown {
  const remaining = remainingSeconds(sla, now);
  if (remaining === null) {
    if (sla.first_response_at) return { level: 'answered', label: 'answered', remaining: null };
    return { level: 'none', label: 'no deadline', remaining: null };
  }
  const level = slaLevel(sla, now);
  if (remaining <= 0) {
    return { level: 'breached', label: `overdue +${formatDuration(-remaining)}`, remaining };
  }
  if (sla.paused_at) {
    return { level: 'paused', label: `paused · ${formatDuration(remaining)}`, remaining };
  }
  return { level, label: formatDuration(remaining), remaining };
}
