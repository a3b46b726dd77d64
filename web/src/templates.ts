// Filling a reply template in the browser, so the agent sees the text before sending and what
// is still unfilled (the API's compliance check reports the same as `template.unfilled_placeholder`).
import type { Order, Ticket } from './api/client';
import { date, dateTime, money, shipmentLabel } from './format';

const PLACEHOLDER = /\[([A-Z][A-Z_]*)\]/g;

/** The placeholders still in `text`, each once, in order of appearance. */
export function unfilled(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) seen.add(m[1]!);
  return [...seen];
}

/** Replaces every `[NAME]` that `values` has a non-empty value for. */
export function fill(text: string, values: Record<string, string | undefined>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = values[name];
    return v !== undefined && v !== '' ? v : whole;
  });
}

/** What a ticket and its order can fill. */
export function valuesFrom(ticket: Ticket, order: Order | null | undefined, buyerName?: string | null) {
  const shipment = order?.shipments?.length ? order.shipments[order.shipments.length - 1] : undefined;
  const last = shipment?.events?.length ? shipment.events[shipment.events.length - 1] : undefined;
  const items = order?.items ?? [];
  const values: Record<string, string | undefined> = {
    ORDER_ID: ticket.order?.order ?? order?.id,
    ORDER_DATE: order ? date(order.purchased_at) : undefined,
    BUYER_NAME: order?.buyer_name ?? buyerName ?? undefined,
    PRODUCT_NAME: items.length ? items.map((i) => i.title).join(', ') : undefined,
    QUANTITY: items.length ? String(items.reduce((n, i) => n + i.quantity, 0)) : undefined,
    AMOUNT: order?.total ? money(order.total) : undefined,
    CARRIER: shipment?.carrier,
    TRACKING: shipment?.tracking_number,
    TRACKING_URL: shipment?.tracking_url ?? undefined,
    SHIPMENT_STATUS: shipment ? shipmentLabel[shipment.status] : undefined,
    DELIVERY_DATE: shipment?.estimated_delivery ? date(shipment.estimated_delivery) : undefined,
    LAST_UPDATE: last ? dateTime(last.at) : undefined,
    LAST_LOCATION: (last as { location?: string | null } | undefined)?.location ?? undefined,
  };
  return values;
}

/** The variant of a template for a channel and language: the channel's own in the language,
 * else the generic one in the language, else the same in English, else the first. */
export function pickVariant<V extends { channel?: string | null; language: string; body: string }>(
  variants: V[],
  channel: string,
  language: string | null | undefined,
): V | undefined {
  const lang = (language ?? 'en').slice(0, 2).toLowerCase();
  const find = (l: string) =>
    variants.find((v) => v.language === l && v.channel === channel) ?? variants.find((v) => v.language === l && !v.channel);
  return find(lang) ?? find('en') ?? variants[0];
}

/** A span of Unicode scalar values (the API's finding offsets) as UTF-16 offsets of `text`. */
export function utf16Span(text: string, start: number, end: number): [number, number] {
  const chars = Array.from(text);
  const from = chars.slice(0, start).join('').length;
  const to = from + chars.slice(start, end).join('').length;
  return [from, to];
}
