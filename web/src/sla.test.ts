import { describe, expect, it } from 'vitest';
import { countdown, formatDuration, remainingSeconds, slaLevel } from './sla';

const t = (iso: string) => Date.parse(iso);
const window = {
  clock_started_at: '2026-11-20T00:00:00Z',
  internal_due_at: '2026-11-20T12:00:00Z',
  due_at: '2026-11-21T00:00:00Z',
};

describe('slaLevel', () => {
  it('follows the internal and external deadlines', () => {
    expect(slaLevel(window, t('2026-11-20T11:59:59Z'))).toBe('ok');
    expect(slaLevel(window, t('2026-11-20T12:00:00Z'))).toBe('warning');
    expect(slaLevel(window, t('2026-11-20T23:59:59Z'))).toBe('warning');
    expect(slaLevel(window, t('2026-11-21T00:00:00Z'))).toBe('breached');
  });

  it('warns in the last fifth of the window without an internal deadline', () => {
    const sla = { clock_started_at: window.clock_started_at, due_at: window.due_at };
    expect(slaLevel(sla, t('2026-11-20T19:11:59Z'))).toBe('ok');
    expect(slaLevel(sla, t('2026-11-20T19:12:00Z'))).toBe('warning');
  });

  it('is breached when the API says so even before the deadline', () => {
    expect(slaLevel({ ...window, breached: true }, t('2026-11-20T01:00:00Z'))).toBe('breached');
  });

  it('judges a paused clock at the instant it paused', () => {
    const paused = { ...window, paused_at: '2026-11-20T06:00:00Z' };
    expect(slaLevel(paused, t('2026-11-25T00:00:00Z'))).toBe('ok');
    expect(remainingSeconds(paused, t('2026-11-25T00:00:00Z'))).toBe(18 * 3600);
  });

  it('is ok without any deadline', () => {
    expect(slaLevel({}, t('2030-01-01T00:00:00Z'))).toBe('ok');
  });
});

describe('countdown', () => {
  it('counts down the remaining time coloured by level', () => {
    expect(countdown(window, t('2026-11-20T20:54:30Z'))).toEqual({
      level: 'warning',
      label: '3h 05m',
      remaining: 3 * 3600 + 5 * 60 + 30,
    });
    expect(countdown(window, t('2026-11-20T01:00:00Z')).level).toBe('ok');
  });

  it('says overdue +x once the deadline passed', () => {
    const c = countdown(window, t('2026-11-21T01:10:00Z'));
    expect(c.level).toBe('breached');
    expect(c.label).toBe('overdue +1h 10m');
    expect(c.remaining).toBe(-(70 * 60));
  });

  it('shows a paused clock with the time it keeps', () => {
    const c = countdown({ ...window, paused_at: '2026-11-20T22:00:00Z' }, t('2026-11-22T00:00:00Z'));
    expect(c).toEqual({ level: 'paused', label: 'paused · 2h 00m', remaining: 7200 });
  });

  it('tells an answered ticket from one that never had a deadline', () => {
    expect(countdown({ first_response_at: '2026-11-20T03:00:00Z' }, 0).label).toBe('answered');
    expect(countdown({}, 0)).toEqual({ level: 'none', label: 'no deadline', remaining: null });
  });
});

describe('formatDuration', () => {
  it('keeps the two largest units', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(12 * 60 + 9)).toBe('12m 09s');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3h 05m');
    expect(formatDuration(2 * 86400 + 3 * 3600 + 59)).toBe('2d 3h');
    expect(formatDuration(-90)).toBe('1m 30s');
    expect(formatDuration(12 * 60 + 40, 'minutes')).toBe('13m');
    expect(formatDuration(3 * 3600 + 5 * 60 + 20, 'minutes')).toBe('3h 05m');
  });
});
