import { expect, test } from '@playwright/test';
import { apiGet, apiPut, expectAccessible, findTicket, screenshot, signIn, tokens, type TicketDetail } from './helpers';

const taken = new Set<string>();

test('the inbox shows tickets from all three channels with live countdowns', async ({ page }) => {
  // The page's clock is controlled, so "it ticks" needs no waiting.
  await page.clock.install();
  await signIn(page, tokens.admin);
  const rows = page.locator('.ticket-row');
  await expect(rows.first()).toBeVisible();
  for (const channel of ['amazon', 'ebay', 'shopify']) {
    await expect(page.locator(`.ticket-row[data-channel="${channel}"]`).first()).toBeVisible();
  }
  // Countdowns are coloured by level and tick.
  const clock = page.locator('.ticket-row .countdown').first();
  await expect(clock).toHaveAttribute('data-level', /ok|warning|breached|paused|answered|none/);
  const running = page.locator('.ticket-row .countdown[data-level="ok"], .ticket-row .countdown[data-level="warning"]').first();
  const runningId = await running.locator('xpath=ancestor::li').getAttribute('data-ticket');
  const ticking = page.locator(`.ticket-row[data-ticket="${runningId}"] .countdown`);
  const before = await ticking.textContent();
  await page.clock.fastForward('01:01:00');
  await expect(ticking).not.toHaveText(before ?? '');
  await expect(page.locator('.ticket-row .countdown[data-level="breached"]').first()).toHaveText(/^overdue \+/);
  // The API's order: earliest deadline first, as listed by the API.
  const api = await apiGet<{ items: { id: string }[] }>('/v1/tickets?status=open&limit=50');
  const shown = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-ticket')));
  expect(shown.slice(0, 10)).toEqual(api.items.slice(0, 10).map((t) => t.id));
  // Badge counts and a channel filter.
  await expect(page.locator('[data-filter-channel="ebay"] .count')).not.toHaveText('0');
  await page.locator('[data-filter-channel="ebay"]').click();
  await expect(page.locator('.ticket-row').first()).toHaveAttribute('data-channel', 'ebay');
  await expect(page.locator('.ticket-row[data-channel="amazon"]')).toHaveCount(0);
  await page.locator('[data-filter-channel="ebay"]').click();
  // Keyboard: j moves the selection, Enter opens the ticket.
  // By id, not position: a ticket the pollers bring meanwhile may shift the rows.
  await expect(rows.nth(0)).toHaveClass(/selected/);
  const selected = page.locator('.ticket-row.selected');
  const firstId = (await selected.getAttribute('data-ticket')) ?? '';
  await page.keyboard.press('j');
  await expect(selected).toHaveCount(1);
  await expect(selected).not.toHaveAttribute('data-ticket', firstId);
  const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-ticket')));
  expect(ids.indexOf(await selected.getAttribute('data-ticket'))).toBe(ids.indexOf(firstId) + 1);
  await screenshot(page, 'inbox');
  await expectAccessible(page);
  // Updates without reload: a change made elsewhere shows up with the next poll.
  const last = api.items[api.items.length - 1]!;
  const current = await apiGet<{ ticket: { version: number } }>(`/v1/tickets/${last.id}`);
  await apiPut(`/v1/tickets/${last.id}/assignee`, { assignee: 'carol' }, `"v${current.ticket.version}"`);
  await expect(page.locator(`.ticket-row[data-ticket="${last.id}"] .avatar`)).toHaveText('CA', { timeout: 20_000 });
  const second = await selected.getAttribute('data-ticket');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/tickets/${second}`));
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await expect(page.locator('.ticket-row').first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, 'inbox-phone');
});

test('an FBM ticket shows its order with items and tracking', async ({ page }) => {
  const view = await findTicket(
    (_t, v: TicketDetail) => v.order?.fulfillment === 'merchant' && (v.order.shipments?.length ?? 0) > 0,
    taken,
  );
  const order = view.order!;
  const shipment = order.shipments![0]!;
  await signIn(page, tokens.admin, `/tickets/${view.ticket.id}`);
  const card = page.getByTestId('order');
  await expect(card).toContainText(order.id);
  await expect(card.locator('.fulfil')).toHaveText(order.channel === 'amazon' ? 'FBM' : 'Merchant fulfilled');
  await expect(card).toContainText(order.items[0]!.title);
  await expect(card.getByTestId('shipment').first()).toContainText(shipment.carrier);
  const tracking = card.locator('.tracking').first();
  await expect(tracking).toHaveText(shipment.tracking_number);
  if (shipment.tracking_url) await expect(tracking).toHaveAttribute('href', shipment.tracking_url);
  await expect(page.locator('.message[data-author="buyer"]').first()).toBeVisible();
  await screenshot(page, 'ticket-fbm');
  await expectAccessible(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, 'ticket-phone');
});

test('a violating reply highlights the finding and disables Send', async ({ page }) => {
  const view = await findTicket((t) => t.channel === 'amazon', taken);
  await signIn(page, tokens.admin, `/tickets/${view.ticket.id}`);
  const box = page.getByRole('textbox', { name: 'Reply to the buyer' });
  await box.fill('Thank you for your order. Please leave us five stars and visit www.example-shop.com for more.');
  const mark = page.locator('.backdrop mark.sev-block').first();
  await expect(mark).toBeVisible();
  await expect(page.locator('.findings li.sev-block').first()).toContainText('amazon.');
  await expect(page.locator('.findings .suggestion').first()).not.toBeEmpty();
  await expect(page.getByRole('button', { name: 'Send reply' })).toBeDisabled();
  await screenshot(page, 'composer-violation');
  // Fixed, it may go.
  await box.fill('Thank you for your order. It left our warehouse today and should arrive within three days.');
  await expect(page.locator('.check-state')).toHaveText(/Compliant|warnings/);
  await expect(page.locator('.backdrop mark.sev-block')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Send reply' })).toBeEnabled();
});

test('a compliant reply is sent and the ticket clock stops', async ({ page }) => {
  const view = await findTicket((t) => t.channel !== 'shopify' && !!t.sla.due_at && !t.sla.first_response_at, taken);
  await signIn(page, tokens.alice, `/tickets/${view.ticket.id}`);
  await expect(page.locator('.ticket-head .countdown')).not.toHaveAttribute('data-level', 'answered');
  await page
    .getByRole('textbox', { name: 'Reply to the buyer' })
    .fill('Hello, thank you for your message. Your parcel is on its way and should arrive within two working days. Kind regards');
  const send = page.getByRole('button', { name: 'Send reply' });
  await expect(send).toBeEnabled();
  await send.click();
  await expect(page.locator('.composer-foot [role=status]')).toContainText('Reply queued');
  // The sender delivers it and stops the clock; the page re-reads the ticket by itself.
  await expect(page.locator('.ticket-head .countdown')).toHaveAttribute('data-level', 'answered', { timeout: 45_000 });
  await expect(page.locator('.message[data-author="agent"]').last()).toContainText('Your parcel is on its way');
  await screenshot(page, 'reply-sent');
});

test('two agents see each other replying and the second gets the 409 flow', async ({ browser }) => {
  const view = await findTicket((t) => t.channel !== 'shopify', taken);
  const path = `/tickets/${view.ticket.id}`;
  const alice = await (await browser.newContext()).newPage();
  const bob = await (await browser.newContext()).newPage();
  await signIn(alice, tokens.alice, path);
  await signIn(bob, tokens.bob, path);
  await expect(bob.getByTestId('presence')).toContainText('alice is viewing');
  await expect(alice.getByTestId('presence')).toContainText('bob is viewing');

  const aliceBox = alice.getByRole('textbox', { name: 'Reply to the buyer' });
  const bobBox = bob.getByRole('textbox', { name: 'Reply to the buyer' });
  await aliceBox.fill('Hello, I have checked your order: it will be delivered tomorrow. Kind regards, Alice');
  await expect(bob.getByTestId('presence')).toContainText('alice is replying', { timeout: 20_000 });
  await bobBox.fill('Hello, thank you for waiting. Your order will arrive tomorrow. Kind regards, Bob');
  await screenshot(bob, 'presence-replying');

  await alice.getByRole('button', { name: 'Send reply' }).click();
  await expect(alice.locator('.composer-foot [role=status]')).toContainText('Reply queued');
  await bob.getByRole('button', { name: 'Send reply' }).click();
  const conflict = bob.getByRole('alertdialog');
  await expect(conflict).toContainText('The ticket changed while you were writing');
  await expect(conflict).toContainText('delivered tomorrow');
  await screenshot(bob, 'conflict-409');
  await conflict.getByRole('button', { name: /send my reply/ }).click();
  await expect(bob.locator('.composer-foot [role=status]')).toContainText('Reply queued');
});

test('"no response needed" stops the clock of a ticket', async ({ page }) => {
  const view = await findTicket((t) => t.channel === 'amazon' && !!t.sla.due_at, taken);
  await signIn(page, tokens.admin, `/tickets/${view.ticket.id}`);
  await expect(page.locator('.ticket-head .countdown')).not.toHaveAttribute('data-level', /answered|none/);
  page.once('dialog', (d) => void d.accept('Buyer only said thank you'));
  await page.getByRole('button', { name: 'No response needed' }).click();
  // The API's answer can take seconds on a loaded machine (the emulator serialises DynamoDB).
  await expect(page.locator('.ticket-head .countdown')).toHaveAttribute('data-level', /answered|none/, { timeout: 45_000 });
  await expect(page.getByRole('button', { name: 'No response needed' })).toHaveCount(0);
});
