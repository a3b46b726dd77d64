// Labels shown for the API's values.

export const CHANNELS = ['amazon', 'ebay', 'shopify', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export const channelLabel: Record<string, string> = {
  amazon: 'Amazon',
  ebay: 'eBay',
  shopify: 'Shopify',
  email: 'E-mail',
};

/** Amazon marketplace ids the app names. */
export const AMAZON_MARKETPLACES: Record<string, string> = {
  APJ6JRA9NG5V4: 'Amazon.it',
  A1PA6795UKMFR9: 'Amazon.de',
  A13V1IB3VIYZZH: 'Amazon.fr',
  A1RKKUPIHCS9HS: 'Amazon.es',
  A1F83G8C2ARO7P: 'Amazon.co.uk',
  ATVPDKIKX0DER: 'Amazon.com',
};

/** "Amazon.it" from a marketplace id or a country-ish code in an account or order. */
export function marketplaceLabel(channel: string, marketplaceId?: string | null): string | null {
  if (!marketplaceId) return null;
  if (channel === 'amazon') return AMAZON_MARKETPLACES[marketplaceId] ?? marketplaceId;
  if (channel === 'ebay') {
    const m = /^EBAY_([A-Z]{2})$/.exec(marketplaceId);
    return m ? `eBay ${m[1]}` : marketplaceId;
  }
  if (channel === 'shopify') return `Shopify · ${marketplaceId.replace(/\.myshopify\.com$/, '')}`;
  return marketplaceId;
}

export const riskLabel: Record<string, string> = {
  a_to_z_claim: 'A-to-z claim',
  chargeback: 'Chargeback',
  ebay_item_not_received: 'Item not received',
  negative_feedback: 'Negative feedback',
};

export const intentLabel = (intent?: string | null) =>
  intent ? intent.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) : '';

export const shipmentLabel: Record<string, string> = {
  label_created: 'Label created',
  in_transit: 'In transit',
  out_for_delivery: 'Out for delivery',
  delivered: 'Delivered',
  exception: 'Exception',
  unknown: 'Unknown',
};

/** Why a shipped order's tracking is not valid (the VTR watch's `reason`). */
export const vtrReasonLabel: Record<string, string> = {
  no_tracking_number: 'No tracking number',
  unknown_carrier: 'Carrier not recognised',
  no_scan_within_48h: 'No carrier scan within 48 h',
};

export function money(m?: { minor: number; currency: string } | null): string {
  if (!m) return '';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency }).format(m.minor / 100);
  } catch {
    return `${(m.minor / 100).toFixed(2)} ${m.currency}`;
  }
}

const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const df = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
export const dateTime = (iso?: string | null) => (iso ? dtf.format(new Date(iso)) : '');
export const date = (iso?: string | null) => (iso ? df.format(new Date(iso)) : '');

/** "5 min ago", "3 h ago", "2 d ago". */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
