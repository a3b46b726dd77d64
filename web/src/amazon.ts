// Words and small calculations for the Amazon account-protection screens: Messaging API
// actions, seller feedback (removal criteria, the 60/90-day deadlines) and review requests.

/** The Messaging API actions by Amazon's name, as an agent reads them. */
export const orderActionLabel: Record<string, string> = {
  unexpectedProblem: 'Unexpected problem',
  confirmDeliveryDetails: 'Confirm delivery details',
  confirmOrderDetails: 'Confirm order details',
  confirmServiceDetails: 'Confirm service details',
  confirmCustomizationDetails: 'Confirm customization details',
  digitalAccessKey: 'Digital access key',
  legalDisclosure: 'Legal disclosure',
  warranty: 'Warranty',
  invoice: 'Invoice',
  negativeFeedbackRemoval: 'Negative feedback removal',
  amazonMotors: 'Amazon Motors',
};

/** "confirmDeliveryDetails" → "Confirm delivery details" for a name not in the table too. */
export function actionLabel(name: string): string {
  const known = orderActionLabel[name];
  if (known) return known;
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Why the order-actions list is empty without asking Amazon (`reason`). */
export const noActionsReason: Record<string, string> = {
  not_amazon: 'Messaging API actions exist for Amazon orders only.',
  no_order: 'This conversation has no Amazon order.',
  no_account: 'The Amazon account of this order is not connected (or was removed).',
  order_unknown: 'Amazon does not know this order.',
};

/** The removal criteria of an Amazon seller feedback (`Criterion`). */
export const criterionLabel: Record<string, string> = {
  obscene_language: 'Obscene or abusive language',
  seller_personal_info: "The seller's personal information",
  product_review: 'A product review, not about the seller',
  fba_fulfilment: 'About fulfilment by Amazon (FBA)',
};

export const ratingLabel: Record<string, string> = {
  negative: 'Negative',
  neutral: 'Neutral',
  positive: 'Positive',
};

export const sourceLabel: Record<string, string> = {
  report: 'Feedback report',
  notice_mail: 'Notice e-mail',
};

/** Why a review request was skipped (the tenant's rules) or was not eligible. */
export const reviewReasonLabel: Record<string, string> = {
  opted_out: 'Review requests turned off',
  marketplace: 'Marketplace not chosen',
  open_ticket: 'Open ticket on the order',
  claim: 'A-to-z claim or chargeback',
  return_or_refund: 'Return or refund',
  negative_feedback: 'Negative or neutral feedback',
  not_amazon: 'Not an Amazon order',
  not_delivered: 'Not delivered yet',
  too_early: 'Fewer than 5 days since delivery',
  too_late: 'More than 30 days since delivery',
  already_requested: 'Already requested',
  not_offered: 'Amazon did not offer it',
};

export const reasonLabel = (reason: string) => reviewReasonLabel[reason] ?? reason.replace(/_/g, ' ');

/** Amazon's "Request a Review" window: days after delivery. */
export const REVIEW_WINDOW = { from: 5, to: 30 } as const;

export interface Deadline {
  /** Whole days left (rounded down); negative once it passed. */
  days: number;
  /** `ok` (more than a week), `soon` (a week or less), `today` (under a day), `past`. */
  level: 'ok' | 'soon' | 'today' | 'past';
  /** "23 days left", "3 days 4 h left", "5 h 12 min left", "ended 2 days ago". */
  text: string;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The countdown to a deadline at `now` (milliseconds). */
export function deadline(iso: string, now: number): Deadline {
  const left = Date.parse(iso) - now;
  if (left <= 0) {
    const ago = -left;
    const d = Math.floor(ago / DAY);
    const h = Math.floor(ago / HOUR);
    const text = d >= 1 ? `ended ${d} day${d === 1 ? '' : 's'} ago` : h >= 1 ? `ended ${h} h ago` : 'ended just now';
    return { days: -d, level: 'past', text };
  }
  const days = Math.floor(left / DAY);
  const hours = Math.floor((left % DAY) / HOUR);
  const minutes = Math.floor((left % HOUR) / 60_000);
  if (days >= 7) return { days, level: 'ok', text: `${days} days left` };
  if (days >= 1)
    return { days, level: 'soon', text: `${days} day${days === 1 ? '' : 's'}${hours ? ` ${hours} h` : ''} left` };
  return { days: 0, level: 'today', text: hours ? `${hours} h ${minutes} min left` : `${minutes} min left` };
}

/** Stars as "★★☆☆☆" (with the count for screen readers elsewhere). */
export function stars(n: number | null | undefined): string {
  if (n == null) return '';
  const k = Math.max(0, Math.min(5, Math.round(n)));
  return '★'.repeat(k) + '☆'.repeat(5 - k);
}

/**
 * Which form field a problem's `field` belongs to: `marketplaces[1]` → `marketplaces`,
 * `skip.claim` → `skip.claim`, `days_after_delivery` → itself.
 */
export function fieldOf(field: string | null | undefined): string | null {
  if (!field) return null;
  return field.replace(/\[\d+\]$/, '');
}

/** The kinds of claim (`ClaimKind`). */
export const claimKindLabel: Record<string, string> = {
  a_to_z: 'A-to-z Guarantee claim',
  chargeback: 'Chargeback',
};

export const claimStatusLabel: Record<string, string> = {
  open: 'Open: Amazon waits for your answer',
  responded: 'Answered: Amazon decides',
  closed: 'Closed',
};

export const claimOutcomeLabel: Record<string, string> = {
  granted_seller_funded: 'Granted, debited from you',
  granted_amazon_funded: 'Granted, funded by Amazon',
  denied: 'Decided in your favour',
  withdrawn: 'Withdrawn by the buyer',
};

/** What a claim's clock shows: the API's `ClaimClock` levels, counted live from `respond_by`. */
export interface ClaimCountdown {
  /** ok | warning (under 24 h) | overdue | answered | closed — the API's levels. */
  level: 'ok' | 'warning' | 'overdue' | 'answered' | 'closed';
  /** The countdown's CSS level (`.countdown.level-…`). */
  css: 'ok' | 'warning' | 'breached' | 'answered';
  label: string;
}

/** Amazon's clock of a claim at `now` (the same rule as the API: warning 24 h before). */
export function claimCountdown(claim: { status: string; respond_by: string }, now: number, format: (s: number) => string): ClaimCountdown {
  if (claim.status === 'responded') return { level: 'answered', css: 'answered', label: 'answered' };
  if (claim.status === 'closed') return { level: 'closed', css: 'answered', label: 'closed' };
  const left = Math.floor((Date.parse(claim.respond_by) - now) / 1000);
  if (left <= 0) return { level: 'overdue', css: 'breached', label: `overdue +${format(-left)}` };
  if (left <= 24 * 3600) return { level: 'warning', css: 'warning', label: `${format(left)} left` };
  return { level: 'ok', css: 'ok', label: `${format(left)} left` };
}
