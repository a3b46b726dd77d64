import { expect, test } from '@playwright/test';
import type { components } from '../../src/api/schema';
import { BASE, apiGet, expectAccessible, screenshot, signIn, tokens } from './helpers';

type ClaimView = components['schemas']['ClaimView'];
type CaseFile = components['schemas']['CaseFile'];
interface Listing {
  items: ClaimView[];
  next_cursor?: string | null;
}

/** The claim's ETag and case file as the API gives them now. */
async function caseFile(id: string): Promise<{ etag: string; file: CaseFile }> {
  const res = await fetch(`${BASE}/v1/claims/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${tokens.admin}` } });
  expect(res.ok).toBe(true);
  return { etag: res.headers.get('ETag') ?? '', file: (await res.json()) as CaseFile };
}

async function setStatus(id: string, etag: string, body: unknown): Promise<number> {
  const res = await fetch(`${BASE}/v1/claims/${encodeURIComponent(id)}/status`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${tokens.admin}`, 'Content-Type': 'application/json', 'If-Match': etag },
    body: JSON.stringify(body),
  });
  return res.status;
}

/**
 * The demo history seeds an A-to-z claim opened six hours before the stack started (and older
 * ones, answered and closed): its deadline is Amazon's usual 72 h, so its clock is `ok`.
 */
test('the claims screen lists the API’s claims with Amazon’s clock and records the seller’s answer', async ({ page }) => {
  const all = await apiGet<Listing>('/v1/claims');
  const open = all.items.filter((c) => c.claim.status === 'open');
  expect(open.length).toBeGreaterThan(0);

  await signIn(page, tokens.alice, '/');
  await page.getByRole('link', { name: 'Claims', exact: true }).click();
  await expect(page).toHaveURL(/\/claims$/);
  await expect(page.getByRole('heading', { name: 'Claims' })).toBeVisible();
  const rows = page.locator('[data-testid="claims-table"] tbody tr');
  await expect(rows).toHaveCount(all.items.length);
  expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-claim')))).toEqual(all.items.map((c) => c.claim.id));
  const claim = open[0]!.claim;
  const row = page.locator(`tr[data-claim="${claim.id}"]`);
  await expect(row.locator('[data-claim-level]')).toHaveAttribute('data-claim-level', open[0]!.clock.level);
  await expect(row.locator('[data-claim-level]')).toContainText('left');
  await screenshot(page, 'claims-list');
  await expectAccessible(page);

  // The status filter is the API's.
  await page.locator('[data-status-filter="closed"]').click();
  await expect(page).toHaveURL(/status=closed/);
  const closed = await apiGet<Listing>('/v1/claims?status=closed');
  if (closed.items.length) {
    await expect(rows).toHaveCount(closed.items.length);
    for (const r of await rows.all()) await expect(r).toHaveAttribute('data-status', 'closed');
  } else await expect(page.getByTestId('claims-empty')).toBeVisible();
  await page.locator('[data-status-filter="open"]').click();

  // The case file: the deadline, the conversation, the ticket.
  await page.locator(`tr[data-claim="${claim.id}"] a`).first().click();
  await expect(page).toHaveURL(new RegExp(`/claims/${claim.id}$`));
  const { file } = await caseFile(claim.id);
  await expect(page.getByTestId('claim-status')).toContainText('Open');
  await expect(page.locator('.claim-detail [data-claim-level]').first()).toHaveAttribute('data-claim-level', 'ok');
  await expect(page.locator('[data-testid="claim-timeline"] li')).toHaveCount(file.messages.length + file.notes.length);
  await expect(page.getByTestId('claim-conversation')).toContainText(String(file.conversation.buyer_messages));
  await expect(page.getByTestId('claim-ticket')).toHaveAttribute('href', `/tickets/${file.claim.ticket}`);
  // The case as text for Seller Central, copied as the API gives it.
  await expect(page.getByTestId('claim-summary').locator('pre')).toHaveText(file.summary);
  expect(file.summary).toContain('A-to-z Guarantee claim');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy the case' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(file.summary);
  await screenshot(page, 'claim-case-file');
  await expectAccessible(page);

  // The seller answered Amazon: the clock stops and the change is kept with the note.
  await page.locator('textarea[name="note"]').fill('Tracking with the delivery scan sent in Seller Central');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('claim-status')).toContainText('Answered');
  await expect(page.locator('.claim-detail [data-claim-level]').first()).toHaveAttribute('data-claim-level', 'answered');
  await expect(page.getByTestId('claim-changes')).toContainText('Tracking with the delivery scan');
  const answered = await caseFile(claim.id);
  expect(answered.file.claim.status).toBe('responded');
  expect(answered.file.claim.changes?.at(-1)?.by).toBe('alice');

  // A colleague reopens it meanwhile: saving from the stale page says so and shows it as it is.
  expect(await setStatus(claim.id, answered.etag, { status: 'open', note: 'Amazon asked for more' })).toBe(200);
  await page.locator('select[name="status"]').selectOption('closed');
  await page.locator('select[name="outcome"]').selectOption('denied');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('p.notice')).toContainText('Someone else changed this claim');
  await expect(page.getByTestId('claim-status')).toContainText('Open');
  await expect(page.getByTestId('claim-changes')).toContainText('Amazon asked for more');

  // The claim ticket shows Amazon's clock beside its own SLA.
  await page.getByTestId('claim-ticket').click();
  await expect(page.getByTestId('ticket-claims')).toBeVisible();
  await expect(page.getByTestId('ticket-claims').locator('[data-claim-level]')).toHaveAttribute('data-claim-level', 'ok');
});

test('the claims screen fits a phone', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, tokens.bob, '/claims');
  await expect(page.getByRole('heading', { name: 'Claims' })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await screenshot(page, 'claims-phone');
});
