// Claims (A-to-z Guarantee claims, chargebacks): the list of `GET /v1/claims` with Amazon's clock
// of each, open ones first by the soonest deadline, and the case file (`GET /v1/claims/{id}`):
// the claim and its notices, the order, the whole conversation with the buyer and its figures,
// and the form that records the seller's answer to Amazon or the outcome
// (`PUT /v1/claims/{id}/status`, If-Match). Loaded lazily (main.tsx).
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, versionOf, type Schemas } from '../api/client';
import { claimKindLabel, claimOutcomeLabel, claimStatusLabel } from '../amazon';
import { dateTime, marketplaceLabel, money } from '../format';
import { ClaimClock } from '../components/ClaimClock';
import { CopyBlock } from '../components/CopyBlock';
import { useNow } from '../hooks';
import { Pager } from '../components/Pager';
import { navigate } from '../router';

type ClaimView = Schemas['ClaimView'];
type Claim = Schemas['ClaimRecord'];
type CaseFile = Schemas['CaseFile'];
type Status = Schemas['ClaimStatus'];
type Outcome = Schemas['ClaimOutcome'];

const STATUSES: Status[] = ['open', 'responded', 'closed'];
const OUTCOMES: Outcome[] = ['granted_seller_funded', 'granted_amazon_funded', 'denied', 'withdrawn'];

export function Claims({ id, query }: { id: string | null; query: URLSearchParams }) {
  return id ? <CaseFilePage id={id} /> : <ClaimList query={query} />;
}


function ClaimList({ query }: { query: URLSearchParams }) {
  const status = STATUSES.find((s) => s === query.get('status')) ?? null;
  const cursor = query.get('cursor');
  const before = (query.get('before') ?? '').split(',').filter(Boolean);
  const [items, setItems] = useState<ClaimView[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(1000);

  useEffect(() => {
    let gone = false;
    setItems(null);
    void api
      .GET('/v1/claims', { params: { query: { ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) } } })
      .then((r) => {
        if (gone) return;
        if (r.data) {
          setItems(r.data.items);
          setNext(r.data.next_cursor ?? null);
          setError(null);
        } else {
          setItems([]);
          setError(problemText(r.error));
        }
      });
    return () => {
      gone = true;
    };
  }, [status, cursor]);

  const go = (change: { status?: Status | null; cursor?: string | null; before?: string[] }) => {
    const s = new URLSearchParams();
    const st = change.status !== undefined ? change.status : status;
    if (st) s.set('status', st);
    if (change.cursor) s.set('cursor', change.cursor);
    if (change.before?.length) s.set('before', change.before.join(','));
    const qs = s.toString();
    navigate(`/claims${qs ? `?${qs}` : ''}`);
  };

  return (
    <section class="claims" aria-labelledby="claims-title">
      <header class="page-head">
        <div>
          <h1 id="claims-title">Claims</h1>
          <p class="muted small">
            A-to-z Guarantee claims and chargebacks from Amazon’s notices, open ones first by Amazon’s deadline. Amazon’s clock is its own: answering
            the buyer does not stop it, answering Amazon in Seller Central does.
          </p>
        </div>
        <div class="chips" role="group" aria-label="Status">
          <button type="button" class={status ? 'chip' : 'chip on'} aria-pressed={!status} data-status-filter="" onClick={() => go({ status: null })}>
            All
          </button>
          {STATUSES.map((s) => (
            <button type="button" key={s} class={status === s ? 'chip on' : 'chip'} aria-pressed={status === s} data-status-filter={s} onClick={() => go({ status: s })}>
              {s === 'open' ? 'Open' : s === 'responded' ? 'Answered' : 'Closed'}
            </button>
          ))}
        </div>
      </header>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {!items ? (
        <p class="muted loading">Loading claims…</p>
      ) : items.length === 0 && !error ? (
        <p class="muted empty" data-testid="claims-empty">
          {status ? 'No claim of this status.' : 'No claims. A claim appears here when Amazon’s A-to-z or chargeback notice e-mail arrives.'}
        </p>
      ) : (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Claims (scrolls sideways)">
          <table class="table claims-table" data-testid="claims-table">
            <caption class="sr-only">Claims</caption>
            <thead>
              <tr>
                <th scope="col">Amazon’s clock</th>
                <th scope="col">Claim</th>
                <th scope="col">Order</th>
                <th scope="col">Reason</th>
                <th scope="col">Amount</th>
                <th scope="col">Respond by</th>
              </tr>
            </thead>
            <tbody>
              {items.map(({ claim }) => (
                <tr key={claim.id} data-claim={claim.id} data-status={claim.status}>
                  <td>
                    <ClaimClock claim={claim} now={now} />
                  </td>
                  <td>
                    <a href={`/claims/${encodeURIComponent(claim.id)}`}>{claimKindLabel[claim.kind] ?? claim.kind}</a>
                    {claim.outcome ? <div class="small muted">{claimOutcomeLabel[claim.outcome]}</div> : null}
                  </td>
                  <td class="code">{claim.order_id ?? '—'}</td>
                  <td>{claim.reason ?? <span class="muted">not stated</span>}</td>
                  <td>{claim.amount ? money(claim.amount) : '—'}</td>
                  <td>
                    {dateTime(claim.respond_by)}
                    {claim.deadline_source === 'default' ? <div class="small muted">Amazon’s usual time (the notice named no date)</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager cursor={cursor} next={next} before={before} go={go} />
    </section>
  );
}

function authorLabel(m: Schemas['Message']): string {
  switch (m.author.kind) {
    case 'buyer':
      return m.author_name ? `Buyer (${m.author_name})` : 'Buyer';
    case 'agent':
      return `Agent ${m.author.agent}`;
    case 'automation':
      return 'Automatic reply';
    default:
      return 'Amazon';
  }
}

function CaseFilePage({ id }: { id: string }) {
  const [file, setFile] = useState<CaseFile | null>(null);
  const [version, setVersion] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const now = useNow(1000);

  const load = async () => {
    const r = await api.GET('/v1/claims/{id}', { params: { path: { id } } });
    if (r.data) {
      setFile(r.data);
      setVersion(versionOf(r.response.headers.get('ETag')));
      setError(null);
    } else setError(r.response.status === 404 ? 'No such claim for your account.' : problemText(r.error));
  };
  useEffect(() => {
    void load();
  }, [id]);

  if (error)
    return (
      <section class="claim-detail">
        <a href="/claims" class="back">
          ← Claims
        </a>
        <p class="error" role="alert">
          {error}
        </p>
      </section>
    );
  if (!file) return <p class="muted loading">Loading the case file…</p>;
  const { claim, conversation: c } = file;
  return (
    <section class="claim-detail" aria-labelledby="claim-title">
      <header class="ticket-head">
        <a href="/claims" class="back">
          ← Claims
        </a>
        <h1 id="claim-title">
          {claimKindLabel[claim.kind] ?? claim.kind} {claim.order_id ? <span class="code">{claim.order_id}</span> : null}
        </h1>
        <div class="row-meta">
          <ClaimClock claim={claim} now={now} />
          <span class="badge" data-testid="claim-status">
            {claimStatusLabel[claim.status] ?? claim.status}
          </span>
          {claim.outcome ? <span class="badge">{claimOutcomeLabel[claim.outcome]}</span> : null}
          <a class="btn small secondary" href={`/tickets/${encodeURIComponent(claim.ticket)}`} data-testid="claim-ticket">
            Open the ticket
          </a>
        </div>
      </header>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div class="feedback-grid">
        <section class="card" aria-labelledby="facts-title">
          <h2 id="facts-title">The claim</h2>
          <dl class="facts">
            <dt>Respond to Amazon by</dt>
            <dd data-testid="respond-by">
              {dateTime(claim.respond_by)}{' '}
              <span class="small muted">{claim.deadline_source === 'notice' ? '(as the notice states)' : '(Amazon’s usual time; the notice named no date)'}</span>
            </dd>
            <dt>Opened</dt>
            <dd>{dateTime(claim.opened_at)}</dd>
            {claim.reason ? (
              <>
                <dt>Reason</dt>
                <dd>{claim.reason}</dd>
              </>
            ) : null}
            {claim.amount ? (
              <>
                <dt>Amount</dt>
                <dd>{money(claim.amount)}</dd>
              </>
            ) : null}
            {claim.marketplace_id ? (
              <>
                <dt>Marketplace</dt>
                <dd>{marketplaceLabel('amazon', claim.marketplace_id)}</dd>
              </>
            ) : null}
            {claim.responded_at ? (
              <>
                <dt>Answered Amazon</dt>
                <dd>
                  {dateTime(claim.responded_at)} {file.clock.answered_in_time === false ? <strong class="bad">after the deadline</strong> : 'in time'}
                </dd>
              </>
            ) : null}
          </dl>
          <h3>Amazon’s notices</h3>
          <ul class="plain small" data-testid="claim-notices">
            {claim.notices.map((n) => (
              <li key={n.reference}>
                {dateTime(n.at)}
                {n.respond_by ? ` · respond by ${dateTime(n.respond_by)}` : ''}
              </li>
            ))}
          </ul>
        </section>

        <section class="card" aria-labelledby="conv-title" data-testid="claim-conversation">
          <h2 id="conv-title">The conversation in figures</h2>
          <dl class="facts">
            <dt>Buyer messages</dt>
            <dd>{c.buyer_messages}</dd>
            <dt>Your replies before the claim</dt>
            <dd>{c.replies_before_claim}</dd>
            <dt>Your replies since the claim</dt>
            <dd>{c.replies_after_claim}</dd>
            <dt>First buyer message</dt>
            <dd>{c.first_buyer_message_at ? dateTime(c.first_buyer_message_at) : '—'}</dd>
            <dt>Your first reply</dt>
            <dd>{c.first_reply_at ? dateTime(c.first_reply_at) : '—'}</dd>
            <dt>Still unanswered</dt>
            <dd class={c.unanswered_buyer_messages ? 'bad' : ''}>{c.unanswered_buyer_messages}</dd>
          </dl>
          {file.order ? (
            <p class="small">
              Order <span class="code">{file.order.id}</span> · {file.order.status} · {file.order.fulfillment === 'marketplace' ? 'FBA' : 'FBM'}
              {file.order.total ? ` · ${money(file.order.total)}` : ''}
            </p>
          ) : null}
        </section>

        <StatusForm claim={claim} version={version} onSaved={(v, text) => { setVersion(v); setNotice(text); void load(); }} onStale={(text) => { setNotice(text); void load(); }} />

        <section class="card wide" aria-labelledby="summary-title" data-testid="claim-summary">
          <h2 id="summary-title">The case for Amazon</h2>
          <p class="small muted">
            The claim, the order and what was written when, as plain text to paste into your response in Seller Central (internal notes are left out).
          </p>
          <CopyBlock text={file.summary} what="the case" />
        </section>

        <section class="card wide" aria-labelledby="timeline-title">
          <h2 id="timeline-title">What was said, oldest first</h2>
          <ol class="case-timeline" data-testid="claim-timeline">
            {[
              ...file.messages.map((m) => ({
                at: m.sent_at,
                node: (
                  <li key={m.id} class={`case-entry ${m.direction}`} data-author={m.author.kind}>
                    <div class="small muted">
                      {dateTime(m.sent_at)} · {authorLabel(m)}
                      {m.delivery ? ` · ${m.delivery.state}` : ''}
                    </div>
                    <div class="case-body">{m.body}</div>
                  </li>
                ),
              })),
              ...file.notes.map((n) => ({
                at: n.at,
                node: (
                  <li key={n.id} class="case-entry note" data-author="note">
                    <div class="small muted">
                      {dateTime(n.at)} · internal note by {n.author}
                    </div>
                    <div class="case-body">{n.body}</div>
                  </li>
                ),
              })),
            ]
              .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
              .map((e) => e.node)}
          </ol>
          {claim.changes?.length ? (
            <>
              <h3>Changes</h3>
              <ul class="plain small" data-testid="claim-changes">
                {claim.changes.map((ch, i) => (
                  <li key={i}>
                    {dateTime(ch.at)} · {ch.by}: {claimStatusLabel[ch.status] ?? ch.status}
                    {ch.outcome ? ` (${claimOutcomeLabel[ch.outcome]})` : ''}
                    {ch.note ? ` — ${ch.note}` : ''}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      </div>
    </section>
  );
}

function StatusForm({
  claim,
  version,
  onSaved,
  onStale,
}: {
  claim: Claim;
  version: number | null;
  onSaved: (version: number | null, text: string) => void;
  onStale: (text: string) => void;
}) {
  const [status, setStatus] = useState<Status>(claim.status === 'open' ? 'responded' : claim.status);
  const [outcome, setOutcome] = useState<Outcome | ''>(claim.outcome ?? '');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field?: string; text: string } | null>(null);

  const save = async (e: Event) => {
    e.preventDefault();
    if (version == null) return;
    setBusy(true);
    setError(null);
    const r = await api.PUT('/v1/claims/{id}/status', {
      params: { path: { id: claim.id }, header: { 'If-Match': `"v${version}"` } },
      body: { status, outcome: status === 'closed' && outcome ? outcome : null, note: note.trim() || null },
    });
    setBusy(false);
    if (r.data) {
      setNote('');
      onSaved(versionOf(r.response.headers.get('ETag')), 'Saved.');
    } else if (r.response.status === 412) onStale('Someone else changed this claim meanwhile: it is shown as it is now. Check it and save again.');
    else {
      const p = r.error as { field?: string } | undefined;
      setError({ field: p?.field, text: problemText(r.error) });
    }
  };

  return (
    <form class="card" onSubmit={(e) => void save(e)} aria-labelledby="answer-title" data-testid="claim-form">
      <h2 id="answer-title">Your answer to Amazon</h2>
      <p class="small muted">Answer the claim in Seller Central, then record it here: it stops Amazon’s clock in marketdesk and goes into the case file.</p>
      <label>
        <span>Status</span>
        <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as Status)} name="status">
          <option value="responded">Answered in Seller Central</option>
          <option value="closed">Closed (decided or withdrawn)</option>
          <option value="open">Open (reopen)</option>
        </select>
      </label>
      {status === 'closed' ? (
        <label>
          <span>Outcome</span>
          <select value={outcome} onChange={(e) => setOutcome((e.target as HTMLSelectElement).value as Outcome | '')} name="outcome">
            <option value="">Not known</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {claimOutcomeLabel[o]}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        <span>What you answered or what was decided</span>
        <textarea name="note" maxLength={500} rows={3} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
      </label>
      {error ? (
        <p class="error" role="alert" data-field={error.field ?? ''}>
          {error.text}
        </p>
      ) : null}
      <button class="btn primary" type="submit" disabled={busy || version == null}>
        {busy ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}
