import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import type { components } from '../../src/api/schema';

export type Ticket = components['schemas']['Ticket'];
export type TicketDetail = components['schemas']['TicketDetail'];

export const BASE = process.env.MARKETDESK_URL ?? 'http://127.0.0.1:8080';
export const tokens = {
  admin: process.env.MARKETDESK_ADMIN_TOKEN ?? '',
  alice: process.env.MARKETDESK_ALICE_TOKEN ?? '',
  bob: process.env.MARKETDESK_BOB_TOKEN ?? '',
};

/** The API as a test sets things up (the browser is what is under test). */
export async function apiGet<T>(path: string, token = tokens.admin): Promise<T> {
  const res = await fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function apiPut(path: string, body: unknown, ifMatch: string, token = tokens.admin): Promise<void> {
  const res = await fetch(`${BASE}${path}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'If-Match': ifMatch },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

export async function openTickets(): Promise<Ticket[]> {
  const page = await apiGet<{ items: Ticket[] }>('/v1/tickets?status=open&limit=100');
  return page.items;
}

/** An open ticket whose view satisfies `accept`, not among `taken` (each test its own ticket). */
export async function findTicket(
  accept: (t: Ticket, view: TicketDetail) => boolean,
  taken: Set<string>,
): Promise<TicketDetail> {
  for (let round = 0; round < 30; round++) {
    for (const t of await openTickets()) {
      // Demo history tickets (still open ones) have no channel thread to reply into.
      if (taken.has(t.id) || t.thread.startsWith('demo-history:')) continue;
      const view = await apiGet<TicketDetail>(`/v1/tickets/${t.id}`);
      if (accept(t, view)) {
        taken.add(t.id);
        return view;
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error('no ticket of that kind on the local stack');
}

export async function signIn(page: Page, token: string, path = '/') {
  await page.goto(`${path}#token=${token}`);
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/${name}.png`, fullPage: true });
}

/** axe-core: no serious or critical violation on the page as it is. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
  ).toEqual([]);
}
