import { describe, expect, it } from 'vitest';
import { fill, pickVariant, unfilled, utf16Span } from './templates';

describe('template filling', () => {
  it('fills what it has and reports what is left', () => {
    const text = fill('Ciao [BUYER_NAME], ordine [ORDER_ID] con [CARRIER]: [TRACKING]. [SELLER_NAME]', {
      BUYER_NAME: 'Giulia',
      ORDER_ID: '405-1',
      CARRIER: '',
    });
    expect(text).toBe('Ciao Giulia, ordine 405-1 con [CARRIER]: [TRACKING]. [SELLER_NAME]');
    expect(unfilled(text)).toEqual(['CARRIER', 'TRACKING', 'SELLER_NAME']);
    expect(unfilled('[A] and [A]')).toEqual(['A']);
    expect(unfilled('no [lowercase] tokens')).toEqual([]);
  });

  it('picks the channel variant in the language, then the generic one, then English', () => {
    const v = [
      { language: 'en', body: 'en' },
      { language: 'it', body: 'it' },
      { language: 'it', channel: 'ebay', body: 'it-ebay' },
    ];
    expect(pickVariant(v, 'ebay', 'it-IT')?.body).toBe('it-ebay');
    expect(pickVariant(v, 'amazon', 'it')?.body).toBe('it');
    expect(pickVariant(v, 'amazon', 'de')?.body).toBe('en');
  });

  it('maps scalar-value spans to UTF-16 offsets', () => {
    const text = '😀 Ci lasci cinque stelle';
    const [from, to] = utf16Span(text, 11, 24);
    expect(text.slice(from, to)).toBe('cinque stelle');
  });
});
