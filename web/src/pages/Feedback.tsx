// Seller feedback (Amazon): the list of `GET /v1/feedback` with its filters and cursor paging,
// and one feedback (`GET /v1/feedback/{id}`) with its removal assessment — the criteria it
// appears to meet with their evidence, the 60- and 90-day deadlines counting down, the text for
// Seller Central's removal request, the one compliant buyer message and the ticket.
// Loaded lazily (main.tsx): the inbox's first page does not carry it.
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { criterionLabel, deadline, ratingLabel, sourceLabel, stars } from '../amazon';
import { date, dateTime, marketplaceLabel } from '../format';
import { useNow } from '../hooks';
import { Pager } from '../components/Pager';
import { navigate } from '../router';
import { CopyBlock } from '../components/CopyBlock';

type Record_ = Schemas['FeedbackRecord'];
type Criterion = Schemas['Criterion'];

const RATINGS = ['negative', 'neutral', 'positive'] as const;
const CRITERIA: Criterion[] = ['obscene_language', 'seller_personal_info', 'product_review', 'fba_fulfilment'];
const PAGE = 25;

export function Feedback({ id, query }: { id: string | null; query: URLSearchParams }) {
  return id ? <FeedbackDetail id={id} /> : <FeedbackList query={query} />;
}

function FeedbackList({ query }: { query: URLSearchParams }) {
  const rating = RATINGS.find((r) => r === query.get('rating')) ?? null;
  const criterion = CRITERIA.find((c) => c === query.get('criterion')) ?? null;
  const cursor = query.get('cursor');
  // The page size: the API's default unless the address names one (1–100).
  const limit = Math.min(100, Math.max(1, Number(query.get('limit')) || PAGE));
  // The cursors of the pages before this one (kept in the address, so Back works).
  const before = (query.get('before') ?? '').split(',').filter(Boolean);
  const [items, setItems] = useState<Record_[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(60_000);

  useEffect(() => {
    let gone = false;
    setItems(null);
    void api
      .GET('/v1/feedback', {
        params: { query: { limit, ...(rating ? { rating } : {}), ...(criterion ? { criterion } : {}), ...(cursor ? { cursor } : {}) } },
      })
      .then((r) => {
        if (gone) return;
        if (r.data) {
          setItems(r.data.items as Record_[]);
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
  }, [rating, criterion, cursor, limit]);

  const go = (change: { rating?: string | null; criterion?: string | null; cursor?: string | null; before?: string[] }) => {
    const s = new URLSearchParams();
    const r = change.rating !== undefined ? change.rating : rating;
    const c = change.criterion !== undefined ? change.criterion : criterion;
    if (r) s.set('rating', r);
    if (c) s.set('criterion', c);
    if (limit !== PAGE) s.set('limit', String(limit));
    if (change.cursor) s.set('cursor', change.cursor);
    if (change.before?.length) s.set('before', change.before.join(','));
    const qs = s.toString();
    navigate(`/feedback${qs ? `?${qs}` : ''}`);
  };
  const filtered = !!(rating || criterion);

  return (
    <section class="feedback" aria-labelledby="feedback-title">
      <header class="page-head">
        <div>
          <h1 id="feedback-title">Seller feedback</h1>
          <p class="muted small">Amazon seller feedback from the daily feedback report and the notice e-mails, one per order and day.</p>
        </div>
        <div class="dash-controls">
          <div class="chips" role="group" aria-label="Rating">
            <button type="button" class={rating ? 'chip' : 'chip on'} aria-pressed={!rating} data-rating-filter="" onClick={() => go({ rating: null })}>
              Every rating
            </button>
            {RATINGS.map((r) => (
              <button type="button" key={r} class={rating === r ? 'chip on' : 'chip'} aria-pressed={rating === r} data-rating-filter={r} onClick={() => go({ rating: r })}>
                {ratingLabel[r]}
              </button>
            ))}
          </div>
          <label class="inline-label">
            <span>Removal criterion</span>
            <select value={criterion ?? ''} onChange={(e) => go({ criterion: (e.target as HTMLSelectElement).value || null })}>
              <option value="">Any (or none)</option>
              {CRITERIA.map((c) => (
                <option key={c} value={c}>
                  {criterionLabel[c]}
                </option>
              ))}
            </select>
          </label>
        </div>
      </header>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {!items ? (
        <p class="muted loading">Loading feedback…</p>
      ) : items.length === 0 && !error ? (
        <p class="muted empty" data-testid="feedback-empty">
          {filtered
            ? next
              ? 'No feedback of this kind on this page: the filter applies page by page, see the next page.'
              : 'No feedback of this kind.'
            : 'No seller feedback yet. It arrives with the daily feedback report of each connected Amazon account and with Amazon’s notice e-mails.'}
        </p>
      ) : (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Seller feedback (scrolls sideways)">
          <table class="table feedback-table" data-testid="feedback-table">
            <caption class="sr-only">Seller feedback</caption>
            <thead>
              <tr>
                <th scope="col">Rating</th>
                <th scope="col">Comment</th>
                <th scope="col">Order</th>
                <th scope="col">Marketplace</th>
                <th scope="col">Left on</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((f) => (
                <tr key={f.id} data-feedback={f.id} data-rating={f.rating}>
                  <td>
                    <span class={`badge rating-${f.rating}`}>{ratingLabel[f.rating] ?? f.rating}</span>{' '}
                    {f.stars != null ? (
                      <span class="stars" aria-label={`${f.stars} of 5 stars`}>
                        {stars(f.stars)}
                      </span>
                    ) : null}
                  </td>
                  <td class="comment">
                    <a href={`/feedback/${encodeURIComponent(f.id)}`}>{f.comment || '(no comment)'}</a>
                  </td>
                  <td class="code">{f.order_id}</td>
                  <td>{marketplaceLabel('amazon', f.marketplace_id)}</td>
                  <td>{date(f.left_on)}</td>
                  <td>
                    <FeedbackStatus f={f} now={now} />
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

/** Where a feedback stands: removable (criteria met) and its deadline, answered, or past. */
function FeedbackStatus({ f, now }: { f: Record_; now: number }) {
  const a = f.assessment;
  const parts: preact.ComponentChildren[] = [];
  if (a && a.criteria.length) {
    const by = deadline(a.request_removal_by, now);
    parts.push(
      <span key="r" class={`badge removal level-${by.level}`}>
        {by.level === 'past' ? 'Removal window closed' : `Removal possible · ${by.text}`}
      </span>,
    );
  } else if (f.rating !== 'positive') parts.push(<span key="n" class="badge">No removal criterion</span>);
  if (f.response) parts.push(<span key="a" class="badge">Answered</span>);
  if (f.ticket) parts.push(<span key="t" class="badge">Ticket</span>);
  return <span class="status-badges">{parts}</span>;
}

function FeedbackDetail({ id }: { id: string }) {
  const [f, setF] = useState<Record_ | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(1000);

  useEffect(() => {
    void api.GET('/v1/feedback/{id}', { params: { path: { id } } }).then((r) => {
      if (r.data) setF(r.data);
      else setError(r.response.status === 404 ? 'No such feedback for your account.' : problemText(r.error));
    });
  }, [id]);

  if (error)
    return (
      <section class="feedback-detail">
        <a href="/feedback" class="back">
          ← Feedback
        </a>
        <p class="error" role="alert">
          {error}
        </p>
      </section>
    );
  if (!f) return <p class="muted loading">Loading the feedback…</p>;
  const a = f.assessment;
  return (
    <section class="feedback-detail" aria-labelledby="feedback-title">
      <header class="ticket-head">
        <a href="/feedback" class="back">
          ← Feedback
        </a>
        <h1 id="feedback-title">
          {ratingLabel[f.rating] ?? f.rating} feedback on order <span class="code">{f.order_id}</span>
        </h1>
        <div class="row-meta">
          <span class={`badge rating-${f.rating}`}>{ratingLabel[f.rating] ?? f.rating}</span>
          {f.stars != null ? (
            <span class="stars" aria-label={`${f.stars} of 5 stars`}>
              {stars(f.stars)}
            </span>
          ) : null}
          <span class="muted small">
            {marketplaceLabel('amazon', f.marketplace_id)} · left on {date(f.left_on)} · seen in {f.sources.map((s) => sourceLabel[s] ?? s).join(', ')} · first seen{' '}
            {dateTime(f.first_seen)}
          </span>
          {f.ticket ? (
            <a class="btn small secondary" href={`/tickets/${encodeURIComponent(f.ticket)}`} data-testid="feedback-ticket">
              Open the ticket
            </a>
          ) : null}
        </div>
      </header>
      <div class="feedback-grid">
        <section class="card" aria-labelledby="comment-title">
          <h2 id="comment-title">The buyer’s comment</h2>
          <blockquote class="comment-text">
            <Marked text={f.comment} words={a?.criteria.flatMap((c) => c.words) ?? []} />
          </blockquote>
          {f.response ? (
            <p class="small">
              <strong>Your public answer:</strong> {f.response}
            </p>
          ) : null}
        </section>

        {a ? (
          <section class="card" aria-labelledby="deadlines-title" data-testid="deadlines">
            <h2 id="deadlines-title">Deadlines</h2>
            <Countdown label="The buyer may change or remove it until" iso={a.buyer_window_ends} now={now} testid="buyer-window" hint="60 days after it was left" />
            <Countdown label="Amazon considers a removal request until" iso={a.request_removal_by} now={now} testid="removal-by" hint="90 days after it was left: send it now" />
          </section>
        ) : null}

        <section class="card wide" aria-labelledby="criteria-title" data-testid="criteria">
          <h2 id="criteria-title">Removal assessment</h2>
          {!a ? (
            <p class="muted">Not assessed yet.</p>
          ) : a.criteria.length === 0 ? (
            <p class="muted">It appears to meet none of Amazon’s removal criteria: Amazon is unlikely to remove it. Answer the buyer instead.</p>
          ) : (
            <ul class="criteria">
              {a.criteria.map((c) => (
                <li key={c.criterion} data-criterion={c.criterion}>
                  <strong>{criterionLabel[c.criterion] ?? c.criterion}</strong>
                  <div class="small">{c.note}</div>
                  {c.words.length ? (
                    <div class="small muted">
                      Evidence:{' '}
                      {c.words.map((w, i) => (
                        <q key={i} class="evidence">
                          {w}
                        </q>
                      ))}
                    </div>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          <p class="small muted">What the assessment cannot judge: Amazon decides; the criteria are read from the comment’s words.</p>
        </section>

        {a?.removal_request ? (
          <section class="card wide" aria-labelledby="removal-title" data-testid="removal-request">
            <h2 id="removal-title">Removal request for Seller Central</h2>
            <p class="small muted">Amazon has no API for it: copy the text, open Feedback Manager, find the order and paste it into the removal request.</p>
            <CopyBlock text={a.removal_request} what="the removal request" />
            <p>
              <a class="btn small" href={a.seller_central_url} target="_blank" rel="noopener noreferrer" data-testid="seller-central">
                Open Feedback Manager in Seller Central ↗
              </a>
            </p>
          </section>
        ) : a ? (
          <section class="card wide">
            <h2>Seller Central</h2>
            <a href={a.seller_central_url} target="_blank" rel="noopener noreferrer" data-testid="seller-central">
              Feedback Manager ↗
            </a>
          </section>
        ) : null}

        {a?.buyer_message ? (
          <section class="card wide" aria-labelledby="buyer-title" data-testid="buyer-message">
            <h2 id="buyer-title">A message to the buyer ({a.language})</h2>
            <p class="small muted">
              About the problem itself; it never asks to change or remove the feedback (Amazon forbids that) and passes the compliance check.
              {f.ticket ? ' Send it from the ticket.' : ''}
            </p>
            <CopyBlock text={a.buyer_message} what="the buyer message" />
          </section>
        ) : null}
      </div>
    </section>
  );
}

function Countdown({ label, iso, now, testid, hint }: { label: string; iso: string; now: number; testid: string; hint: string }) {
  const d = deadline(iso, now);
  return (
    <div class={`deadline level-${d.level}`} data-testid={testid} data-level={d.level}>
      <div class="small muted">{label}</div>
      <div>
        <strong>{dateTime(iso)}</strong> <span class="deadline-left">{d.text}</span>
      </div>
      <div class="small muted">{hint}</div>
    </div>
  );
}

/** The comment with the evidence's words marked. */
function Marked({ text, words }: { text: string; words: string[] }) {
  const found = words.filter(Boolean).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (!found.length) return <>{text}</>;
  const re = new RegExp(`(${found.join('|')})`, 'gi');
  return (
    <>
      {text.split(re).map((part, i) => (i % 2 ? <mark key={i}>{part}</mark> : part))}
    </>
  );
}

