import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, durationTicks, formatMinutes, heatLevel, linear, niceTicks, percent, trendBuckets } from './scale';

describe('linear', () => {
  it('maps the domain onto the range, inverted ranges included', () => {
    const y = linear([0, 100], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(100)).toBe(0);
    expect(y(95)).toBeCloseTo(10);
  });
  it('maps a zero-width domain to the range start instead of dividing by zero', () => {
    expect(linear([5, 5], [0, 10])(5)).toBe(0);
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and covers the maximum', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 7, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0, 0.9, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 0.9, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
  it('answers the single value of an empty range', () => {
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe('durationTicks', () => {
  it('ends at the first round duration past the longest time', () => {
    expect(durationTicks(50)).toEqual([0, 15, 30, 60]);
    expect(durationTicks(25 * 60).at(-1)).toBe(2880);
  });
  it('keeps at most six labels', () => {
    expect(durationTicks(48 * 60).length).toBeLessThanOrEqual(6);
    expect(durationTicks(48 * 60)[0]).toBe(0);
  });
});

describe('formatMinutes', () => {
  it('says minutes, hours and days as people read them', () => {
    expect(formatMinutes(45)).toBe('45 min');
    expect(formatMinutes(200)).toBe('3 h 20 min');
    expect(formatMinutes(180)).toBe('3 h');
    expect(formatMinutes(52 * 60)).toBe('2 d 4 h');
    expect(formatMinutes(null)).toBe('–');
  });
});

describe('heatLevel', () => {
  it('keeps zero apart and puts the busiest cell in the top level', () => {
    expect(heatLevel(0, 10)).toBe(0);
    expect(heatLevel(10, 10)).toBe(5);
    expect(heatLevel(1, 10)).toBe(1);
    expect(heatLevel(5, 10)).toBe(3);
    expect(heatLevel(4, 0)).toBe(0);
  });
});

describe('days and trend buckets', () => {
  it('does calendar arithmetic across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-11-03', '2026-12-02')).toBe(30);
  });
  it('has one bucket per day up to a month', () => {
    const b = trendBuckets('2026-11-03', '2026-12-02');
    expect(b).toHaveLength(30);
    expect(b[0]).toEqual({ from: '2026-11-03', to: '2026-11-03' });
    expect(b.at(-1)).toEqual({ from: '2026-12-02', to: '2026-12-02' });
  });
  it('has weeks ending on the last day beyond a month, the first one cut at the start', () => {
    const b = trendBuckets('2026-09-04', '2026-12-02');
    expect(daysBetween('2026-09-04', '2026-12-02')).toBe(90);
    expect(b).toHaveLength(13);
    expect(b.at(-1)).toEqual({ from: '2026-11-26', to: '2026-12-02' });
    expect(b[0]!.from).toBe('2026-09-04');
    // Every day is in exactly one bucket.
    expect(b.reduce((n, x) => n + daysBetween(x.from, x.to), 0)).toBe(90);
  });
});

describe('percent', () => {
  it('shows one decimal and a dash for nothing to count', () => {
    expect(percent(95.04)).toBe('95.0 %');
    expect(percent(null)).toBe('–');
  });
});
