import { expect, test } from '@playwright/test';
import { apiGet, expectAccessible, openTickets, screenshot, signIn, tokens, type Ticket, type TicketDetail } from './helpers';

interface Offered {
  order?: string | null;
  reason?: string | null;
  actions: { name: string; supported: boolean; max_chars?: number | null }[];
}

/** An open Amazon ticket with an order whose offered actions satisfy `accept`. */
async function amazonTicket(accept: (o: Offered) => boolean, taken: Set<string>): Promise<{ ticket: Ticket; offered: Offered }> {
  for (let round = 0; round < 30; round++) {
    for (const t of await openTickets()) {
      if (taken.has(t.id) || t.channel !== 'amazon' || !t.order || t.thread.startsWith('demo-history:')) continue;
      const offered = await apiGet<Offered>(`/v1/tickets/${t.id}/order-actions`);
      if (accept(offered)) {
        taken.add(t.id);
        return { ticket: t, offered };
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error('no Amazon ticket of that kind on the local stack');
}

const taken = new Set<string>();

test('the ticket page lists the actions Amazon offers, checks the text and records the sent action', async ({ page }) => {
  test.setTimeout(150_000);
  const { ticket, offered } = await amazonTicket((o) => o.actions.some((a) => a.name === 'unexpectedProblem' && a.supported), taken);
  await signIn(page, tokens.alice, `/tickets/${ticket.id}`);
  const panel = page.getByTestId('order-actions');
  await expect(panel).toContainText(offered.order!);
  // Exactly the supported actions the API offers, as buttons; attachment-only ones named apart.
  const buttons = panel.locator('[data-action]');
  await expect(buttons).toHaveCount(offered.actions.filter((a) => a.supported).length);
  for (const a of offered.actions.filter((x) => x.supported)) await expect(panel.locator(`[data-action="${a.name}"]`)).toBeVisible();
  for (const a of offered.actions.filter((x) => !x.supported)) await expect(panel.locator(`[data-action="${a.name}"]`)).toHaveCount(0);

  await panel.locator('[data-action="unexpectedProblem"]').click();
  const form = panel.getByRole('form', { name: 'Unexpected problem' });
  const text = form.getByRole('textbox', { name: /Text to the buyer/ });
  const send = form.getByRole('button', { name: /^Send/ });
  // Amazon's rules, checked as the agent types: a review request is blocked.
  await text.fill('We are sorry for the delay. Please leave us a positive review with five stars once it arrives.');
  await expect(form.locator('.findings li.sev-block').first()).toBeVisible();
  await expect(form.locator('.findings .suggestion').first()).not.toBeEmpty();
  await expect(send).toBeDisabled();
  await screenshot(page, 'order-action-blocked');

  const body = `We are sorry: the carrier reported a delay of two days on your parcel. It is on its way (ref ${Date.now()}).`;
  await text.fill(body);
  await expect(form.locator('#action-text-help')).toContainText(/compliant|warnings/);
  await expect(send).toBeEnabled();
  await send.click();
  await expect(panel.locator('[role=status]')).toContainText('recorded on the ticket');
  // The ticket was re-read: the outbound message with its action is in the conversation.
  const sent = page.locator('.message[data-order-action="unexpectedProblem"]').filter({ hasText: body });
  await expect(sent).toBeVisible();
  await expect(sent).toContainText('Amazon message · Unexpected problem');
  const view = await apiGet<TicketDetail>(`/v1/tickets/${ticket.id}`);
  expect(view.messages.some((m) => m.body === body && m.external.order_action?.action === 'unexpectedProblem')).toBe(true);
  await screenshot(page, 'order-action-sent');
  await expectAccessible(page);
});

test('an action Amazon no longer offers answers 409 in words and the list is re-read', async ({ page }) => {
  const { ticket, offered } = await amazonTicket(
    (o) => o.actions.some((a) => a.supported) && !o.actions.some((a) => a.name === 'confirmServiceDetails'),
    taken,
  );
  const first = offered.actions.find((a) => a.supported)!;
  // The browser asks for an offered action; the request reaches the API as one Amazon does not
  // offer for this order (confirmServiceDetails), as when Amazon withdrew it meanwhile.
  await page.route(`**/v1/tickets/${ticket.id}/order-actions/${first.name}`, (route) =>
    route.continue({ url: route.request().url().replace(new RegExp(`/${first.name}$`), '/confirmServiceDetails') }),
  );
  await signIn(page, tokens.alice, `/tickets/${ticket.id}`);
  const panel = page.getByTestId('order-actions');
  await panel.locator(`[data-action="${first.name}"]`).click();
  await panel.getByRole('textbox', { name: /Text to the buyer/ }).fill('Hello, we would like to confirm the details of your order with you. Kind regards');
  const send = panel.getByRole('button', { name: /^Send/ });
  await expect(send).toBeEnabled();
  await send.click();
  await expect(panel.getByRole('alert')).toContainText('Amazon no longer offers');
  await expect(panel.getByRole('alert')).toContainText('re-read');
  await expect(panel.locator(`[data-action="${first.name}"]`)).toBeVisible();
});

test('no panel on other channels, and an explanation when Amazon offers nothing to send', async ({ page }) => {
  const other = (await openTickets()).find((t) => t.channel === 'ebay' && !t.thread.startsWith('demo-history:'));
  if (other) {
    await signIn(page, tokens.alice, `/tickets/${other.id}`);
    await expect(page.locator('.ticket-head h1')).toBeVisible();
    await expect(page.locator('.message').first()).toBeVisible();
    await expect(page.getByTestId('order-actions')).toHaveCount(0);
  }
  // FBA orders: Amazon offers attachment-only messages at most (legalDisclosure, invoice).
  const { ticket, offered } = await amazonTicket((o) => !o.actions.some((a) => a.supported), taken);
  await signIn(page, tokens.alice, `/tickets/${ticket.id}`);
  const panel = page.getByTestId('order-actions');
  await expect(panel.getByTestId('no-order-actions')).toBeVisible();
  await expect(panel.locator('[data-action]')).toHaveCount(0);
  if (offered.actions.length) await expect(panel).toContainText('attachments');
  await screenshot(page, 'order-actions-none');
});
