import { describe, expect, it } from 'vitest';
import { actionLabel, claimCountdown, deadline, fieldOf, reasonLabel, stars } from './amazon';
import { formatDuration } from './sla';

const t = (iso: string) => Date.parse(iso);

describe('deadline', () => {
  const ends = '2026-12-31T00:00:00Z';

  it('counts whole days while more than a week is left', () => {
    expect(deadline(ends, t('2026-12-01T00:00:00Z'))).toEqual({ days: 30, level: 'ok', text: '30 days left' });
    expect(deadline(ends, t('2026-12-23T23:00:00Z'))).toMatchObject({ days: 7, level: 'ok', text: '7 days left' });
  });

  it('is "soon" with days and hours within the last week', () => {
    expect(deadline(ends, t('2026-12-24T01:00:00Z'))).toEqual({ days: 6, level: 'soon', text: '6 days 23 h left' });
    expect(deadline(ends, t('2026-12-30T00:00:00Z'))).toEqual({ days: 1, level: 'soon', text: '1 day left' });
  });

  it('counts hours and minutes on the last day', () => {
    expect(deadline(ends, t('2026-12-30T19:30:00Z'))).toEqual({ days: 0, level: 'today', text: '4 h 30 min left' });
    expect(deadline(ends, t('2026-12-30T23:58:30Z'))).toEqual({ days: 0, level: 'today', text: '1 min left' });
  });

  it('says how long ago it ended', () => {
    expect(deadline(ends, t('2026-12-31T00:00:00Z'))).toMatchObject({ level: 'past', text: 'ended just now' });
    expect(deadline(ends, t('2026-12-31T05:00:00Z'))).toMatchObject({ level: 'past', text: 'ended 5 h ago' });
    expect(deadline(ends, t('2027-01-02T01:00:00Z'))).toEqual({ days: -2, level: 'past', text: 'ended 2 days ago' });
    expect(deadline(ends, t('2027-01-01T01:00:00Z'))).toMatchObject({ days: -1, text: 'ended 1 day ago' });
  });
});

describe('labels', () => {
  it('names the Messaging API actions, known or not', () => {
    expect(actionLabel('unexpectedProblem')).toBe('Unexpected problem');
    expect(actionLabel('confirmCustomizationDetails')).toBe('Confirm customization details');
    expect(actionLabel('someNewAction2Go')).toBe('Some new action2 go');
  });

  it('names review-request reasons, and shows an unknown one readably', () => {
    expect(reasonLabel('open_ticket')).toBe('Open ticket on the order');
    expect(reasonLabel('not_offered')).toBe('Amazon did not offer it');
    expect(reasonLabel('brand_new_reason')).toBe('brand new reason');
  });

  it('draws stars', () => {
    expect(stars(1)).toBe('★☆☆☆☆');
    expect(stars(5)).toBe('★★★★★');
    expect(stars(null)).toBe('');
  });

  it('maps a problem field to its form field', () => {
    expect(fieldOf('marketplaces[1]')).toBe('marketplaces');
    expect(fieldOf('days_after_delivery')).toBe('days_after_delivery');
    expect(fieldOf(null)).toBeNull();
  });
});

describe('claimCountdown', () => {
  const now = Date.parse('2026-11-16T06:00:00Z');
  const open = (respond_by: string) => claimCountdown({ status: 'open', respond_by }, now, formatDuration);
  it('counts down to Amazon’s deadline and warns in the last day', () => {
    expect(open('2026-11-18T06:00:00Z')).toEqual({ level: 'ok', css: 'ok', label: '2d left' });
    expect(open('2026-11-17T05:00:00Z')).toEqual({ level: 'warning', css: 'warning', label: '23h 00m left' });
  });
  it('says how long it is overdue', () => {
    expect(open('2026-11-16T04:30:00Z')).toEqual({ level: 'overdue', css: 'breached', label: 'overdue +1h 30m' });
  });
  it('stops once answered or closed, whatever the deadline', () => {
    expect(claimCountdown({ status: 'responded', respond_by: '2026-11-01T00:00:00Z' }, now, formatDuration).level).toBe('answered');
    expect(claimCountdown({ status: 'closed', respond_by: '2026-11-01T00:00:00Z' }, now, formatDuration).level).toBe('closed');
  });
});
