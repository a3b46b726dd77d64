import { useEffect, useRef, useState } from 'preact/hooks';
import { api, problemText, type Message, type Order, type TicketDetail } from '../api/client';
import { session } from '../auth';
import { ChannelBadge, Countdown, PriorityBadge, RiskMarker } from '../components/Badges';
import { authorName, Composer } from '../components/Composer';
import { ClaimClock } from '../components/ClaimClock';
import { OrderActions } from '../components/OrderActions';
import { actionLabel, claimKindLabel, ratingLabel } from '../amazon';
import { channelLabel, dateTime, date, intentLabel, marketplaceLabel, money, shipmentLabel } from '../format';
import { useNow, usePoll } from '../hooks';
import { navigate } from '../router';

/** How often an open ticket is re-read (new messages, presences) and the presence renewed. */
const VIEW_POLL_MS = 5_000;
const HEARTBEAT_MS = 10_000;

type Item =
  | { kind: 'message'; at: string; m: Message }
  | { kind: 'note'; at: string; n: TicketDetail['notes'][number] }
  | { kind: 'event'; at: string; e: TicketDetail['events'][number] };

export function TicketPage({ id, reply }: { id: string; reply: boolean }) {
  const [view, setView] = useState<TicketDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const replying = useRef(false);
  const now = useNow(1000);
  const me = session();

  const load = async () => {
    const r = await api.GET('/v1/tickets/{id}', { params: { path: { id } } });
    if (r.data) {
      setView(r.data);
      setError(null);
    } else setError(problemText(r.error));
  };
  usePoll(load, VIEW_POLL_MS, [id]);

  // Presence: a heartbeat while the page is open, "replying" while the composer is in use.
  const beat = async () => {
    await api.PUT('/v1/tickets/{id}/presence', {
      params: { path: { id } },
      body: { state: replying.current ? 'replying' : 'viewing' },
    });
  };
  usePoll(beat, HEARTBEAT_MS, [id]);
  useEffect(
    () => () => {
      void api.DELETE('/v1/tickets/{id}/presence', { params: { path: { id } } });
    },
    [id],
  );
  const onActivity = (r: boolean) => {
    if (replying.current !== r) {
      replying.current = r;
      void beat();
    }
  };

  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (el.closest('input, textarea, select') || e.metaKey || e.ctrlKey || e.altKey) {
        if (e.key === 'Escape') (el as HTMLElement).blur?.();
        return;
      }
      if (e.key === 'r') {
        e.preventDefault();
        document.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus();
      } else if (e.key === 'u' || e.key === 'Escape') navigate('/');
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, []);

  if (error && !view) return <p class="error" role="alert">{error}</p>;
  if (!view) return <p class="muted loading">Loading ticket…</p>;
  const t = view.ticket;
  const order = view.order;
  const others = view.presences.filter((p) => p.agent !== me?.user);
  const buyerName = view.messages.find((m) => m.direction === 'inbound')?.author_name;

  const items: Item[] = [
    ...view.messages.map((m) => ({ kind: 'message' as const, at: m.sent_at, m })),
    ...view.notes.map((n) => ({ kind: 'note' as const, at: n.at, n })),
    ...view.events.map((e) => ({ kind: 'event' as const, at: e.at, e })),
  ].sort((a, b) => a.at.localeCompare(b.at));

  const edit = async (what: 'assignee' | 'status' | 'tags', body: Record<string, unknown>) => {
    const path = { params: { path: { id: t.id }, header: { 'If-Match': `"v${t.version}"` } } };
    const r =
      what === 'assignee'
        ? await api.PUT('/v1/tickets/{id}/assignee', { ...path, body: body as { assignee: string | null } })
        : what === 'status'
          ? await api.PUT('/v1/tickets/{id}/status', { ...path, body: body as { status: 'open' | 'pending' | 'resolved' } })
          : await api.PUT('/v1/tickets/{id}/tags', { ...path, body: body as { tags: string[] } });
    if (r.response.status === 412) setNotice('Someone changed this ticket meanwhile: it was re-read, try again.');
    else if (r.error) setNotice(problemText(r.error));
    else setNotice(null);
    await load();
  };

  return (
    <div class="ticket-page">
      <header class="ticket-head">
        <a href="/" class="back">
          ← Inbox
        </a>
        <h1>{t.subject || '(no subject)'}</h1>
        <div class="row-meta">
          <Countdown sla={view.ticket.sla} now={now} />
          <ChannelBadge channel={t.channel} marketplace={marketplaceLabel(t.channel, order?.marketplace_id)} />
          <RiskMarker risk={t.risk} />
          <PriorityBadge priority={t.priority} />
          {t.intent ? <span class="intent">{intentLabel(t.intent)}</span> : null}
          <span class={`status status-${t.status}`}>{t.status}</span>
          {view.sla.due_at ? <span class="muted small">due {dateTime(view.sla.due_at)}</span> : null}
          {t.sla.first_response_at ? <span class="muted small clock-stopped">answered {dateTime(t.sla.first_response_at)}</span> : null}
        </div>
        {others.length ? (
          <div class="presence" role="status" data-testid="presence">
            {others.map((p) => (
              <span key={p.agent} class={`who ${p.state}`}>
                <span class="dot" aria-hidden="true" /> {p.agent} is {p.state === 'replying' ? 'replying' : 'viewing'}
              </span>
            ))}
          </div>
        ) : null}
        {t.sla.due_at && t.status !== 'resolved' ? (
          <div class="head-actions">
            <button
              class="btn secondary small"
              title="The buyer's last message needs no answer (counts as handled; the SLA clock stops)"
              onClick={async () => {
                const reason = window.prompt('Why does this need no response? (optional, audited)') ?? undefined;
                if (reason === undefined) return;
                const r = await api.POST('/v1/tickets/{id}/no-response-needed', {
                  params: { path: { id: t.id }, header: { 'If-Match': `"v${t.version}"` } },
                  body: { reason: reason.trim() || undefined },
                });
                setNotice(r.error ? problemText(r.error) : null);
                await load();
              }}
            >
              No response needed
            </button>
          </div>
        ) : null}
        {notice ? <p class="error small" role="alert">{notice}</p> : null}
      </header>

      <div class="ticket-body">
        <main class="conversation" aria-label="Conversation">
          <ol class="timeline">
            {items.map((it) =>
              it.kind === 'message' ? (
                <MessageItem key={it.m.id} m={it.m} />
              ) : it.kind === 'note' ? (
                <li key={it.n.id} class="note">
                  <div class="meta">
                    <strong>{it.n.author}</strong> · internal note · {dateTime(it.n.at)}
                  </div>
                  <div class="body">{it.n.body}</div>
                </li>
              ) : (
                <li key={it.e.id} class="event small muted">
                  {eventText(it.e)} · {dateTime(it.e.at)}
                </li>
              ),
            )}
          </ol>
          {t.suggested_draft ? (
            <p class="draft small">Automation suggests the template “{(t.suggested_draft as { template?: string }).template ?? ''}”.</p>
          ) : null}
          <Composer
            ticket={t}
            order={order}
            buyerName={buyerName}
            isAdmin={me?.role === 'admin'}
            autoFocus={reply}
            onActivity={onActivity}
            onSent={load}
            onReload={load}
          />
          <NoteForm onAdd={async (body) => {
            const r = await api.POST('/v1/tickets/{id}/notes', {
              params: { path: { id: t.id }, header: { 'If-Match': `"v${t.version}"` } },
              body: { body },
            });
            if (r.error) setNotice(problemText(r.error));
            await load();
            return !r.error;
          }} />
        </main>

        <aside class="sidebar" aria-label="Ticket details">
          <section class="card">
            <h2>Ticket</h2>
            <Properties view={view} onEdit={edit} me={me?.user ?? ''} />
          </section>
          <OrderCard order={order} orderRef={t.order?.order} />
          {view.feedback?.length ? (
            <section class="card" aria-labelledby="ticket-feedback-title" data-testid="ticket-feedback">
              <h2 id="ticket-feedback-title">Seller feedback</h2>
              <ul class="history">
                {view.feedback.map((f) => (
                  <li key={f.id}>
                    <a href={`/feedback/${encodeURIComponent(f.id)}`}>
                      {ratingLabel[f.rating] ?? f.rating} feedback of {date(f.left_on)}
                    </a>
                    <span class="muted small">
                      {' '}
                      · {f.assessment?.criteria.length ? `removal possible until ${date(f.assessment.request_removal_by)}` : 'no removal criterion'}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {view.claims?.length ? <ClaimsCard claims={view.claims.map((c) => c.claim)} /> : null}
          {t.channel === 'amazon' && t.order ? <OrderActions ticket={t} marketplace={order?.marketplace_id} onSent={load} /> : null}
          <section class="card">
            <h2>Customer history</h2>
            {view.customer_history.length === 0 ? <p class="muted small">No other tickets or orders.</p> : null}
            <ul class="history">
              {view.customer_history.map((h, i) => {
                const e = h as { kind?: string; ticket?: string; order?: string; channel: string; subject?: string; at: string };
                return (
                  <li key={i}>
                    <ChannelBadge channel={e.channel} />{' '}
                    {e.ticket ? <a href={`/tickets/${e.ticket}`}>{e.subject || e.ticket}</a> : <span>Order {e.order}</span>}
                    <span class="muted small"> · {date(e.at)}</span>
                  </li>
                );
              })}
            </ul>
          </section>
        </aside>
      </div>
    </div>
  );
}

function MessageItem({ m }: { m: Message }) {
  const kind = (m.author as { kind: string }).kind;
  const delivery = (m.delivery as { state?: string; reason?: string } | undefined) ?? undefined;
  const action = m.external?.order_action?.action;
  return (
    <li class={`message author-${kind}`} data-author={kind} data-order-action={action}>
      <div class="meta">
        <strong>{kind === 'buyer' ? m.author_name ?? 'Buyer' : authorName(m)}</strong>
        <span class="kind">{kind}</span> · {dateTime(m.sent_at)}
        {action ? <span class="badge order-action-badge"> Amazon message · {actionLabel(action)}</span> : null}
        {delivery?.state ? (
          <span class={`delivery d-${delivery.state}`}>
            {' '}
            · {delivery.state}
            {delivery.reason ? ` (${delivery.reason === 'not_offered' ? 'Amazon no longer offered it' : delivery.reason})` : ''}
          </span>
        ) : null}
      </div>
      {m.subject && !m.body.trim().startsWith(m.subject.replace(/^(re|fwd?):\s*/i, '').trim()) ? <div class="msg-subject">{m.subject}</div> : null}
      <div class="body">{m.body}</div>
      {m.attachments?.length ? (
        <ul class="attachments" aria-label="Attachments">
          {m.attachments.map((a, i) => (
            <li key={i}>
              <span aria-hidden="true">📎 </span>
              {a.location ? <a href={a.location}>{a.filename}</a> : a.filename}{' '}
              <span class="muted small">
                {a.content_type}, {Math.max(1, Math.round(a.size_bytes / 1024))} kB
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function eventText(e: TicketDetail['events'][number]): string {
  const x = e as unknown as Record<string, unknown> & { type?: string; kind?: string };
  const type = String(x.type ?? x.kind ?? 'event');
  const actor = (() => {
    const a = x.actor as { kind?: string; agent?: string } | string | undefined;
    if (typeof a === 'string') return a;
    return a?.agent ?? a?.kind ?? '';
  })();
  switch (type) {
    case 'status_changed':
      return `${actor} changed status ${x.from} → ${x.to}${x.reason ? ` (${x.reason})` : ''}`;
    case 'assigned':
      return x.to ? `${actor} assigned to ${x.to}` : `${actor} unassigned`;
    case 'tags_changed':
      return `${actor} tags ${[...((x.added as string[]) ?? []).map((t) => `+${t}`), ...((x.removed as string[]) ?? []).map((t) => `−${t}`)].join(' ')}`;
    case 'sla_escalated':
      return `SLA escalation: ${x.threshold}`;
    case 'compliance_overridden':
      return `${actor} overrode compliance: ${x.reason}`;
    case 'reply_failed':
      return `A reply could not be delivered: ${x.reason}`;
    case 'auto_replied':
      return `Ready draft “${x.template}” sent automatically (account setting)`;
    default:
      return `${type.replace(/_/g, ' ')}${actor ? ` · ${actor}` : ''}`;
  }
}

function Properties({ view, onEdit, me }: { view: TicketDetail; onEdit: (w: 'assignee' | 'status' | 'tags', b: Record<string, unknown>) => Promise<void>; me: string }) {
  const t = view.ticket;
  const [assignee, setAssignee] = useState(t.assignee ?? '');
  const [tags, setTags] = useState((t.tags ?? []).join(', '));
  useEffect(() => setAssignee(t.assignee ?? ''), [t.assignee]);
  useEffect(() => setTags((t.tags ?? []).join(', ')), [(t.tags ?? []).join(',')]);
  return (
    <dl class="props">
      <dt>Assignee</dt>
      <dd>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void onEdit('assignee', { assignee: assignee.trim() || null });
          }}
        >
          <input aria-label="Assignee" value={assignee} placeholder="unassigned" onInput={(e) => setAssignee((e.target as HTMLInputElement).value)} />
          <button class="btn small">Assign</button>
          {t.assignee !== me ? (
            <button type="button" class="btn small secondary" onClick={() => void onEdit('assignee', { assignee: me })}>
              Me
            </button>
          ) : null}
        </form>
      </dd>
      <dt>Status</dt>
      <dd>
        <select
          aria-label="Status"
          value={t.status}
          onChange={(e) => void onEdit('status', { status: (e.target as HTMLSelectElement).value })}
        >
          <option value="open">Open</option>
          <option value="pending">Pending (waiting on buyer)</option>
          <option value="resolved">Resolved</option>
        </select>
      </dd>
      <dt>Tags</dt>
      <dd>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void onEdit('tags', { tags: tags.split(',').map((s) => s.trim()).filter(Boolean) });
          }}
        >
          <input aria-label="Tags, comma-separated" value={tags} placeholder="vip, late" onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
          <button class="btn small">Save</button>
        </form>
      </dd>
      <dt>Policy</dt>
      <dd>{t.sla.policy ?? '—'}</dd>
      <dt>Language</dt>
      <dd>{t.language ?? '—'}</dd>
      <dt>Created</dt>
      <dd>{dateTime(t.created_at)}</dd>
    </dl>
  );
}

function OrderCard({ order, orderRef }: { order: Order | null | undefined; orderRef?: string }) {
  if (!order) {
    return (
      <section class="card">
        <h2>Order</h2>
        <p class="muted small">{orderRef ? `Order ${orderRef} is not known yet.` : 'No order linked to this conversation.'}</p>
      </section>
    );
  }
  const fba = order.fulfillment === 'marketplace';
  const fLabel = order.channel === 'amazon' ? (fba ? 'FBA' : 'FBM') : fba ? 'Marketplace fulfilled' : 'Merchant fulfilled';
  return (
    <section class="card order" aria-label="Order" data-testid="order">
      <h2>
        Order <span class="order-id">{order.id}</span>
      </h2>
      <div class="row-meta">
        <span class={`badge fulfil ${fba ? 'fba' : 'fbm'}`} title={fba ? 'Fulfilled by the marketplace' : 'Shipped by the seller'}>
          {fLabel}
        </span>
        <span class="badge">{order.status}</span>
        <span class="muted small">
          {marketplaceLabel(order.channel, order.marketplace_id) ?? channelLabel[order.channel]} · purchased {date(order.purchased_at)}
        </span>
      </div>
      <ul class="items">
        {order.items.map((i, n) => (
          <li key={n}>
            <span class="qty">{i.quantity}×</span>
            <span class="item-title">
              {i.title}
              {i.sku ? <span class="muted small sku">{i.sku}</span> : null}
            </span>
            {i.unit_price ? <span class="price">{money(i.unit_price)}</span> : null}
          </li>
        ))}
      </ul>
      {order.total ? (
        <p class="total">
          Total <strong>{money(order.total)}</strong>
        </p>
      ) : null}
      {order.shipments?.length ? (
        order.shipments.map((s, n) => (
          <div class="shipment" key={n} data-testid="shipment">
            <div>
              <span class={`badge ship-${s.status}`}>{shipmentLabel[s.status] ?? s.status}</span> {s.carrier}{' '}
              {s.tracking_url ? (
                <a href={s.tracking_url} target="_blank" rel="noopener noreferrer" class="tracking">
                  {s.tracking_number}
                </a>
              ) : (
                <span class="tracking">{s.tracking_number}</span>
              )}
            </div>
            {s.estimated_delivery ? <div class="small">Expected {date(s.estimated_delivery)}</div> : null}
            {s.events?.length ? (
              <ol class="tracking-events small">
                {[...s.events].reverse().slice(0, 4).map((e, k) => (
                  <li key={k}>
                    {dateTime(e.at)} · {shipmentLabel[e.status] ?? e.status}
                    {(e as { description?: string }).description ? ` · ${(e as { description?: string }).description}` : ''}
                    {(e as { location?: string }).location ? ` · ${(e as { location?: string }).location}` : ''}
                  </li>
                ))}
              </ol>
            ) : null}
            {s.checked_at ? <div class="muted small">Carrier checked {dateTime(s.checked_at)}</div> : null}
          </div>
        ))
      ) : (
        <p class="muted small">{fba ? 'Shipped by the marketplace.' : 'Not shipped yet.'}</p>
      )}
    </section>
  );
}

function NoteForm({ onAdd }: { onAdd: (body: string) => Promise<boolean> }) {
  const [body, setBody] = useState('');
  const [open, setOpen] = useState(false);
  if (!open)
    return (
      <button class="btn secondary small add-note" onClick={() => setOpen(true)}>
        Add internal note
      </button>
    );
  return (
    <form
      class="note-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (body.trim() && (await onAdd(body.trim()))) {
          setBody('');
          setOpen(false);
        }
      }}
    >
      <textarea aria-label="Internal note (only agents see it)" rows={3} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
      <div class="actions">
        <button class="btn">Save note</button>
        <button type="button" class="btn secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A claim ticket's claims with Amazon's own clock (it runs apart from the ticket's SLA). */
function ClaimsCard({ claims }: { claims: NonNullable<TicketDetail['claims']>[number]['claim'][] }) {
  const now = useNow(1000);
  return (
    <section class="card" aria-labelledby="ticket-claims-title" data-testid="ticket-claims">
      <h2 id="ticket-claims-title">Claims</h2>
      <ul class="history">
        {claims.map((c) => (
          <li key={c.id}>
            <a href={`/claims/${encodeURIComponent(c.id)}`}>{claimKindLabel[c.kind] ?? c.kind}</a> <ClaimClock claim={c} now={now} />
            <div class="muted small">Amazon’s deadline {dateTime(c.respond_by)}: replying to the buyer does not stop it.</div>
          </li>
        ))}
      </ul>
    </section>
  );
}
