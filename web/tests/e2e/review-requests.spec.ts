import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { BASE, expectAccessible, screenshot, signIn, tokens } from './helpers';

interface View {
  settings: { enabled: boolean; marketplaces?: string[]; days_after_delivery: number; skip?: Record<string, boolean> };
  version?: number | null;
}

async function read(): Promise<{ view: View; etag: string | null }> {
  const res = await fetch(`${BASE}/v1/admin/review-requests`, { headers: { Authorization: `Bearer ${tokens.admin}` } });
  expect(res.status).toBe(200);
  return { view: (await res.json()) as View, etag: res.headers.get('ETag') };
}

/** Another admin's change, through the API. */
async function write(settings: View['settings']): Promise<void> {
  const { etag } = await read();
  const res = await fetch(`${BASE}/v1/admin/review-requests`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${tokens.admin}`, 'Content-Type': 'application/json', ...(etag ? { 'If-Match': etag } : {}) },
    body: JSON.stringify(settings),
  });
  expect(res.status, await res.text()).toBe(200);
}

const skipAll = { open_ticket: true, claim: true, return_or_refund: true, negative_feedback: true };

test.afterAll(async () => {
  // Leave the demo tenant opted out, as the stack starts.
  await write({ enabled: false, marketplaces: [], days_after_delivery: 7, skip: skipAll });
});

test('an admin opts in to review requests; the API’s 422 shows at the field and a 412 re-reads', async ({ page }) => {
  await signIn(page, tokens.admin, '/settings/review-requests');
  const form = page.getByRole('form', { name: 'Request a Review (Amazon)' });
  await expect(form).toBeVisible();
  await expect(page.locator('.status-tabs a[aria-current="page"]')).toHaveText('Review requests');

  await form.getByRole('checkbox', { name: 'Send review requests' }).check();
  await form.getByRole('checkbox', { name: /Amazon\.it/ }).check();
  const days = form.getByRole('spinbutton', { name: 'Days after delivery' });
  // Outside Amazon's window: the API's 422 names the field, shown beside it.
  await days.fill('40');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.locator('#rr-days_after_delivery-error')).toContainText('5–30');
  await expect(days).toHaveAttribute('aria-invalid', 'true');
  await screenshot(page, 'review-settings-422');

  await days.fill('12');
  await form.getByRole('checkbox', { name: /open or pending ticket/ }).uncheck();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toHaveText('Saved.');
  await expect(form.locator('#rr-days_after_delivery-error')).toHaveCount(0);
  const saved = await read();
  expect(saved.view.settings).toMatchObject({ enabled: true, marketplaces: ['APJ6JRA9NG5V4'], days_after_delivery: 12 });
  expect(saved.view.settings.skip?.open_ticket).toBe(false);
  await expect(form).toContainText(`Version ${saved.view.version}`);

  // Another admin changes them meanwhile: saving with the old ETag is a 412, re-read and said.
  await write({ ...saved.view.settings, days_after_delivery: 9 });
  await days.fill('14');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toContainText('changed these settings meanwhile');
  await expect(days).toHaveValue('9');
  await days.fill('14');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toHaveText('Saved.');
  expect((await read()).view.settings.days_after_delivery).toBe(14);
  await expectAccessible(page);
});

test('an agent sees that only admins manage review requests', async ({ page }) => {
  await signIn(page, tokens.alice, '/settings/review-requests');
  // The API answers GET /v1/admin/review-requests to admins only (403 for agents).
  await expect(page.getByTestId('review-requests-forbidden')).toBeVisible();
  await expect(page.locator('.status-tabs a')).toHaveText(['Review requests']);
  await expect(page.getByRole('button', { name: 'Save' })).toHaveCount(0);
});

test('the dashboard shows the review-request report of the period with its CSV', async ({ page }) => {
  test.setTimeout(120_000);
  const res = await fetch(`${BASE}/v1/reports/review-requests?days=7`, { headers: { Authorization: `Bearer ${tokens.admin}` } });
  const report = (await res.json()) as { counts: { sent: number; failed: number; skipped: Record<string, number>; not_eligible: Record<string, number> } };
  await signIn(page, tokens.admin, '/dashboard?days=7');
  const card = page.locator('[data-report="reviews"]');
  await expect(card.getByRole('heading', { name: 'Review requests (Amazon)' })).toBeVisible();
  const tiles = card.getByTestId('review-tiles');
  await expect(tiles.locator('.tile').nth(0)).toContainText(String(report.counts.sent));
  await expect(tiles.locator('.tile').nth(1)).toContainText(String(report.counts.failed));
  const sum = (o: Record<string, number>) => Object.values(o).reduce((n, k) => n + k, 0);
  await expect(tiles.locator('.tile').nth(2)).toContainText(String(sum(report.counts.skipped)));
  await expect(tiles.locator('.tile').nth(3)).toContainText(String(sum(report.counts.not_eligible)));
  for (const reason of Object.keys(report.counts.skipped))
    await expect(card.locator(`tr[data-kind="skipped"][data-reason="${reason}"]`)).toContainText(String(report.counts.skipped[reason]));
  for (const reason of Object.keys(report.counts.not_eligible))
    await expect(card.locator(`tr[data-kind="not_eligible"][data-reason="${reason}"]`)).toContainText(String(report.counts.not_eligible[reason]));

  const download = page.waitForEvent('download');
  await card.getByRole('button', { name: 'Download the review-request report as CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('review-requests-7d.csv');
  const csv = readFileSync((await file.path())!, 'utf8');
  const api = await (
    await fetch(`${BASE}/v1/reports/review-requests?days=7&format=csv`, { headers: { Authorization: `Bearer ${tokens.admin}` } })
  ).text();
  // generated_at may differ between the two reads; the rows of figures are the API's.
  const rows = (s: string) => s.trim().split('\n').filter((l) => !/generated/i.test(l));
  expect(rows(csv)).toEqual(rows(api));
  if (sum(report.counts.skipped) + sum(report.counts.not_eligible) + report.counts.sent + report.counts.failed === 0)
    await expect(card).toContainText('No review request was due in this period.');
  await card.screenshot({ path: 'test-results/dashboard-review-requests.png' });
  // Not shown for another channel: review requests are Amazon's.
  await page.locator('[data-channel-filter="ebay"]').click();
  await expect(card).toHaveCount(0);
});
