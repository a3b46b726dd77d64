import { readFileSync } from 'node:fs';
import { expect, test, type Response } from '@playwright/test';
import { apiGet, expectAccessible, screenshot, signIn, tokens } from './helpers';

interface RateReport {
  window: { from: string; to: string };
  periods: { period: string; received: number; rate_percent?: number | null }[];
}

test('the dashboard renders its charts from the seeded history and downloads each report as CSV', async ({ page }) => {
  // Eight reports on the emulator, each in seconds on a loaded machine.
  test.setTimeout(180_000);
  // The stack seeds the demo history in the background; e2e.sh waits until the reports show it.
  const rate = await apiGet<RateReport>('/v1/reports/response-rate?days=7');
  const week = rate.periods.find((p) => p.period === 'last_7_days')!;
  expect(week.received).toBeGreaterThan(0);
  const agents = await apiGet<{ agents: { agent: string }[] }>('/v1/reports/agents?days=7');
  expect(agents.agents.length).toBeGreaterThan(0);

  // The tiles show what the API answered the page (time passes: a pending message may turn
  // late between a second read and the page's own).
  const isRate = (channel: string | null) => (r: Response) =>
    r.url().includes('/v1/reports/response-rate?') && !r.url().includes('format=csv') && r.url().includes('channel=') === (channel !== null);
  const pageRate = page.waitForResponse(isRate(null));
  const answered = (kind: string) => page.waitForResponse((r) => r.url().includes(`/v1/reports/${kind}?`) && !r.url().includes('format=csv'));
  const pageTimes = answered('first-response');
  const pageVolume = answered('volume');
  const pageAgents = answered('agents');
  await signIn(page, tokens.admin, '/dashboard?days=7');
  const shown = ((await (await pageRate).json()) as RateReport).periods.find((p) => p.period === 'last_7_days')!;
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.locator('nav a[aria-current="page"]')).toHaveText('Dashboard');

  // The trend: one point per day with a rate, and the two lines.
  const trend = page.locator('[data-chart="rate-trend"]');
  await expect(trend).toBeVisible({ timeout: 90_000 });
  await expect(trend.locator('[data-line="95"]')).toBeVisible();
  await expect(trend.locator('[data-line="90"]')).toBeVisible();
  const points = await trend.locator('circle.point').count();
  expect(points).toBeGreaterThan(0);
  expect(points).toBeLessThanOrEqual(7);
  await expect(page.locator('.tile').first()).toContainText(shown.rate_percent == null ? '–' : shown.rate_percent.toFixed(1));

  // The heat map holds the week's messages; the per-agent table lists the API's agents.
  const shaded = page.locator('[data-chart="heat-map"] td[class^="heat-"]:not(.heat-0)');
  await expect(shaded.first()).toBeVisible();
  const volume = (await (await pageVolume).json()) as { cells: { messages: number }[] };
  await expect(shaded).toHaveCount(volume.cells.filter((c) => c.messages > 0).length);
  const shownAgents = (await (await pageAgents).json()) as { agents: { agent: string }[] };
  for (const a of shownAgents.agents) await expect(page.locator(`[data-testid="agents-table"] tr[data-agent="${a.agent}"]`)).toBeVisible();
  await expect(page.locator('[data-chart="first-response"] .times-row').first()).toBeVisible();
  // The distribution: a column per bucket, its counts the API's, adding up to every first response.
  const times = (await (await pageTimes).json()) as { overall: { calendar: { count: number } }; distribution: { calendar: number }[] };
  const columns = page.locator('[data-chart="first-response-distribution"] .dist-count');
  await expect(columns).toHaveText(times.distribution.map((b) => String(b.calendar)));
  expect(times.distribution.reduce((n, b) => n + b.calendar, 0)).toBe(times.overall.calendar.count);
  await expect(page.locator('[data-report="health"] .health').first()).toBeVisible();
  await screenshot(page, 'dashboard');
  await expectAccessible(page);

  // CSV: the API's, saved as a file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-csv="response-rate-all-7d.csv"]').click()]);
  expect(download.suggestedFilename()).toBe('response-rate-all-7d.csv');
  const csv = readFileSync((await download.path())!, 'utf8');
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  expect(header).toContain('period');
  expect(rows.some((r) => r.startsWith('last_7_days'))).toBe(true);
  const [agentsCsv] = await Promise.all([page.waitForEvent('download'), page.locator('[data-csv="agents-all-7d.csv"]').click()]);
  const agentRows = readFileSync((await agentsCsv.path())!, 'utf8').trim().split(/\r?\n/);
  // Imports may add an agent between the page's read and the download: every agent shown is a row.
  const csvAgents = agentRows.slice(1).map((r) => r.split(',')[0]);
  for (const a of shownAgents.agents) expect(csvAgents).toContain(a.agent);

  // A channel filter narrows every report to that channel.
  const ebayRate = page.waitForResponse(isRate('ebay'));
  await page.locator('[data-channel-filter="ebay"]').click();
  await expect(page).toHaveURL(/channel=ebay/);
  await expect(page.locator('[data-channel-filter="ebay"]')).toHaveAttribute('aria-pressed', 'true');
  const ebay = (await (await ebayRate).json()) as RateReport;
  expect(ebay.periods.length).toBeGreaterThan(0);
  const ebayWeek = ebay.periods.find((p) => p.period === 'last_7_days')!;
  await expect(page.locator('.tile').first()).toContainText(ebayWeek.rate_percent == null ? '–' : ebayWeek.rate_percent.toFixed(1));
  await expect(trend).toBeVisible({ timeout: 90_000 });
  await expect(page.locator('[data-report="health"]')).toContainText('No Amazon account in this view');

  // Phone width: no sideways page scroll (the heat map scrolls inside its box).
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // The charts redraw at the phone's width (text keeps its size) and axis labels do not overlap.
  await expect
    .poll(() => trend.locator('svg').evaluate((svg) => svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width))
    .toBeGreaterThan(0.95);
  const overlaps = (selector: string) =>
    page.locator(selector).evaluateAll((els) => {
      const boxes = els.map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0);
      return boxes.some((r, i) => i > 0 && r.left < boxes[i - 1]!.right);
    });
  await expect.poll(() => overlaps('[data-chart="first-response"] .times-axis span')).toBe(false);
  await expect.poll(() => overlaps('[data-chart="rate-trend"] text.axis')).toBe(false);
  await screenshot(page, 'dashboard-phone');
});

interface VtrReport {
  accounts: {
    account: string;
    shipped: number;
    valid: number;
    rate_percent?: number | null;
    below_line: boolean;
    invalid: { order: string; reason: string; carrier: string; tracking_number: string }[];
  }[];
}

test('the VTR watch flags an account below the 95 % line and lists each order without valid tracking with why', async ({ page }) => {
  test.setTimeout(120_000);
  // The stack seeds Amazon.it's merchant-fulfilled shipments: three of them lack valid tracking.
  const vtr = await apiGet<VtrReport>('/v1/reports/vtr?days=7');
  const it = vtr.accounts.find((a) => a.account === 'acct_amazon_it')!;
  expect(it.below_line).toBe(true);
  expect(new Set(it.invalid.map((o) => o.reason))).toEqual(new Set(['no_tracking_number', 'unknown_carrier', 'no_scan_within_48h']));

  const shown = page.waitForResponse((r) => r.url().includes('/v1/reports/vtr?') && !r.url().includes('format=csv'));
  await signIn(page, tokens.admin, '/dashboard?days=7');
  const report = ((await (await shown).json()) as VtrReport).accounts.find((a) => a.account === 'acct_amazon_it')!;
  const panel = page.locator('[data-report="vtr"]');
  await expect(panel.getByRole('heading', { name: 'Valid tracking (VTR)' })).toBeVisible();
  const card = panel.locator('[data-vtr-account="acct_amazon_it"]');
  await expect(card).toBeVisible({ timeout: 60_000 });
  await expect(card).toHaveAttribute('data-below-line', 'true');
  await expect(card.locator('.health-badge')).toHaveText('Below the 95 % line');
  await expect(card).toContainText(`${report.rate_percent!.toFixed(1)} %`);
  await expect(card).toContainText(`${report.valid} of ${report.shipped} shipped`);
  // A row per order without valid tracking, in the API's order, each with a human reason.
  const rows = card.locator('tbody tr');
  await expect(rows).toHaveCount(report.invalid.length);
  await expect(rows.locator('th')).toHaveText(report.invalid.map((o) => o.order));
  const labels = {
    no_tracking_number: 'No tracking number',
    unknown_carrier: 'Carrier not recognised',
    no_scan_within_48h: 'No carrier scan within 48 h',
  } as Record<string, string>;
  for (const o of report.invalid) {
    const row = card.locator(`tr[data-order="${o.order}"]`);
    await expect(row.locator('.vtr-reason')).toHaveText(labels[o.reason]!);
    if (o.carrier) await expect(row).toContainText(o.carrier);
    if (o.tracking_number.trim()) await expect(row).toContainText(o.tracking_number);
  }
  await expect(card.locator('tr[data-reason="no_tracking_number"] td').nth(2)).toHaveText('none');
  await screenshot(page, 'dashboard-vtr');
  await expectAccessible(page);

  // CSV: the API's one row per order without valid tracking.
  const [download] = await Promise.all([page.waitForEvent('download'), panel.locator('[data-csv="vtr-all-7d.csv"]').click()]);
  expect(download.suggestedFilename()).toBe('vtr-all-7d.csv');
  const csv = readFileSync((await download.path())!, 'utf8');
  for (const o of report.invalid) expect(csv).toContain(`${o.order},${o.reason}`);

  // Phone width: the orders' table scrolls inside its box, the page does not.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expect(card.locator('.health-badge')).toBeVisible();
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, 'dashboard-vtr-phone');
});
