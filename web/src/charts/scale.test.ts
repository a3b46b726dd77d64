import { describe, expect, it } from 'vitest';
import { addDays, bucketLabel, daysBetween, durationTicks, formatMinutes, heatLevel, linear, niceTicks, percent, trendBuckets, trendPoints } from './scale';

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
  it('keeps fewer on a narrow axis, the start and the end always', () => {
    const t = durationTicks(48 * 60, 3);
    expect(t).toHaveLength(3);
    expect([t[0], t.at(-1)]).toEqual([0, 2880]);
    expect(durationTicks(48 * 60, 1)).toHaveLength(2);
  });
});

describe('formatMinutes', () => {
  it('writes report durations as the countdowns do, to the minute', () => {
    expect(formatMinutes(45)).toBe('45m');
    expect(formatMinutes(200)).toBe('3h 20m');
    expect(formatMinutes(180)).toBe('3h');
    expect(formatMinutes(48 * 60)).toBe('2d');
    expect(formatMinutes(52 * 60)).toBe('2d 4h');
    expect(formatMinutes(0.4)).toBe('0m');
    expect(formatMinutes(null)).toBe('–');
  });
});

describe('trendPoints', () => {
  const day = (d: string, received: number, within: number, pending = 0) => ({ day: d, received, within_24h: within, pending });
  it('gives each day its own rate, pending messages outside it', () => {
    const p = trendPoints([day('2026-12-01', 10, 9), day('2026-12-02', 4, 1, 2)], '2026-12-01', '2026-12-02');
    expect(p.map((x) => x.rate)).toEqual([90, 50]);
    expect(p.map((x) => x.received)).toEqual([10, 4]);
  });
  it('leaves a day with nothing to count without a rate', () => {
    const p = trendPoints([day('2026-12-02', 3, 0, 3)], '2026-12-01', '2026-12-02');
    expect(p.map((x) => x.rate)).toEqual([null, null]);
  });
  it('sums the days of a week beyond a month before dividing', () => {
    const daily = [];
    for (let i = 0; i < 40; i++) daily.push(day(addDays('2026-10-24', i), 10, i % 2 ? 10 : 5));
    const p = trendPoints(daily, '2026-10-24', '2026-12-02');
    expect(p.at(-1)).toMatchObject({ from: '2026-11-26', to: '2026-12-02', received: 70 });
    // 2026-11-26 is day 33 (odd: 10), then 5, 10, 5, 10, 5, 10 → 55 of 70.
    expect(p.at(-1)!.rate).toBeCloseTo((55 * 100) / 70);
  });
});

describe('bucketLabel', () => {
  it('names the first, middle and open-ended buckets', () => {
    expect(bucketLabel(0, 15)).toBe('< 15m');
    expect(bucketLabel(60, 240)).toBe('1h – 4h');
    expect(bucketLabel(2880, null)).toBe('2d+');
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
