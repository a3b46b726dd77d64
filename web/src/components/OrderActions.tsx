// The Amazon Messaging API actions Amazon offers for a ticket's order now
// (`GET /v1/tickets/{id}/order-actions`), each sent through the API with the text it takes
// (`POST /v1/tickets/{id}/order-actions/{action}`), compliance-checked as the agent types.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, problemText, type Finding, type Schemas, type Ticket } from '../api/client';
import { actionLabel, noActionsReason } from '../amazon';
import { useDebounced } from '../hooks';
import { FindingList } from './Findings';

type Offered = Schemas['OrderActions'];
type Action = Schemas['OfferedActionSchema'];

export interface OrderActionsProps {
  ticket: Ticket;
  marketplace?: string | null;
  /** After an action was accepted: re-read the ticket (the message shows in the conversation). */
  onSent: () => Promise<void> | void;
}

/** Languages of Amazon's European and US marketplaces, offered for the text. */
const LANGUAGES = ['en', 'it', 'de', 'fr', 'es', 'nl', 'pl', 'sv'];

function newKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export function OrderActions({ ticket, marketplace, onSent }: OrderActionsProps) {
  const [offered, setOffered] = useState<Offered | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<Action | null>(null);
  const [sent, setSent] = useState<string | null>(null);

  const load = async () => {
    const r = await api.GET('/v1/tickets/{id}/order-actions', { params: { path: { id: ticket.id } } });
    if (r.data) {
      setOffered(r.data);
      setError(null);
    } else
      setError(
        r.response.status === 503
          ? 'Amazon could not be asked right now which messages it allows for this order. Try again in a minute.'
          : problemText(r.error),
      );
  };
  useEffect(() => {
    void load();
  }, [ticket.id]);

  const supported = offered?.actions.filter((a) => a.supported) ?? [];
  const attachmentOnly = offered?.actions.filter((a) => !a.supported) ?? [];

  return (
    <section class="card order-actions" aria-labelledby="order-actions-title" data-testid="order-actions">
      <h2 id="order-actions-title">Message through Amazon</h2>
      {error ? (
        <p class="error small" role="alert">
          {error}{' '}
          <button type="button" class="linklike" onClick={() => void load()}>
            Retry
          </button>
        </p>
      ) : null}
      {!offered && !error ? <p class="muted small loading">Asking Amazon what it allows for this order…</p> : null}
      {offered ? (
        supported.length === 0 ? (
          <p class="muted small" data-testid="no-order-actions">
            {offered.reason
              ? noActionsReason[offered.reason] ?? offered.reason
              : offered.actions.length
                ? 'Amazon offers only messages with attachments for this order now; send those from Seller Central.'
                : 'Amazon offers no message you may start on this order now (it allows them only for some orders and for a limited time).'}
          </p>
        ) : (
          <>
            <p class="muted small">
              Messages Amazon allows you to start on order <span class="code">{offered.order}</span> now. They do not answer the buyer's
              message and do not stop the SLA clock.
            </p>
            <div class="action-buttons" role="group" aria-label="Amazon message actions">
              {supported.map((a) => (
                <button
                  key={a.name}
                  type="button"
                  class={chosen?.name === a.name ? 'btn small on' : 'btn small secondary'}
                  aria-pressed={chosen?.name === a.name}
                  data-action={a.name}
                  title={a.purpose ?? undefined}
                  onClick={() => {
                    setChosen(chosen?.name === a.name ? null : a);
                    setSent(null);
                  }}
                >
                  {actionLabel(a.name)}
                </button>
              ))}
            </div>
          </>
        )
      ) : null}
      {attachmentOnly.length ? (
        <p class="muted small">
          Also offered, with attachments only (not sent from marketdesk): {attachmentOnly.map((a) => actionLabel(a.name)).join(', ')}.
        </p>
      ) : null}
      {sent ? (
        <p class="ok small" role="status">
          {sent}
        </p>
      ) : null}
      {chosen && offered ? (
        <ActionForm
          key={chosen.name}
          ticket={ticket}
          action={chosen}
          marketplace={offered.marketplace ?? marketplace}
          onCancel={() => setChosen(null)}
          onNotOffered={async (text) => {
            setChosen(null);
            await load();
            setError(text);
          }}
          onDone={async (text) => {
            setChosen(null);
            setSent(text);
            await onSent();
          }}
        />
      ) : null}
    </section>
  );
}

function ActionForm({
  ticket,
  action,
  marketplace,
  onCancel,
  onDone,
  onNotOffered,
}: {
  ticket: Ticket;
  action: Action;
  marketplace?: string | null;
  onCancel: () => void;
  onDone: (text: string) => Promise<void>;
  onNotOffered: (text: string) => Promise<void>;
}) {
  const [text, setText] = useState('');
  const [language, setLanguage] = useState(ticket.language ?? '');
  const [findings, setFindings] = useState<Finding[]>([]);
  const [checkedText, setCheckedText] = useState<string | null>(null);
  const [verdict, setVerdict] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const key = useRef<{ text: string; key: string } | null>(null);
  const settled = useDebounced(text, 350);
  const max = action.max_chars ?? 2000;
  const label = actionLabel(action.name);

  // The same compliance check as the Composer's, as the agent types.
  useEffect(() => {
    if (!settled.trim()) {
      setFindings([]);
      setVerdict(null);
      setCheckedText(settled);
      return;
    }
    let current = true;
    void api
      .POST('/v1/compliance/check', {
        body: { channel: 'amazon', marketplace: marketplace ?? undefined, language: language || undefined, body: settled },
      })
      .then((r) => {
        if (!current || !r.data) return;
        setFindings(r.data.findings);
        setVerdict(r.data.verdict);
        setCheckedText(settled);
      });
    return () => {
      current = false;
    };
  }, [settled, language]);

  const checked = checkedText === text;
  const blocked = checked && verdict === 'block';
  const tooLong = text.length > max;
  const canSend = !sending && text.trim().length > 0 && !tooLong && checked && !blocked;

  const send = async () => {
    // One key per text: a retry of the same text (a lost answer) sends nothing new.
    if (key.current?.text !== `${language}:${text}`) key.current = { text: `${language}:${text}`, key: newKey() };
    setSending(true);
    setResult(null);
    setFieldError(null);
    const r = await api.POST('/v1/tickets/{id}/order-actions/{action}', {
      params: { path: { id: ticket.id, action: action.name }, header: { 'Idempotency-Key': key.current.key } },
      body: { text, language: language || undefined },
    });
    setSending(false);
    const status = r.response.status;
    if (r.data) {
      const warnings = r.data.findings.length ? ` ${r.data.findings.length} warning(s) noted.` : '';
      await onDone(
        r.data.created
          ? `“${label}” queued for Amazon and recorded on the ticket.${warnings}`
          : `“${label}” with this text was already recorded on the ticket: nothing new was sent.`,
      );
      return;
    }
    const err = (r.error ?? {}) as Record<string, unknown>;
    if (status === 422 && Array.isArray(err.findings)) {
      setFindings(err.findings as Finding[]);
      setVerdict('block');
      setCheckedText(text);
      setResult('Not sent: the text breaks Amazon’s messaging rules (listed below). Amazon’s rules allow no override.');
      return;
    }
    if (status === 409 && !Array.isArray(err.offered)) {
      setResult('Not sent: the ticket changed while the message was stored. Nothing went out; send it again.');
      return;
    }
    if (status === 409) {
      const now = Array.isArray(err.offered) ? (err.offered as string[]).map(actionLabel).join(', ') : '';
      await onNotOffered(`Not sent: Amazon no longer offers “${label}” for this order${now ? `; it offers ${now}` : ''}. The list was re-read.`);
      return;
    }
    if (status === 400 && err.field === 'text') {
      setFieldError(problemText({ ...err, field: undefined }));
      return;
    }
    if (status === 503) {
      setResult('Not sent: Amazon or the store could not be reached and nothing was saved. Try again.');
      return;
    }
    if (status === 404) {
      setResult(`Not sent: “${label}” is not an action marketdesk knows.`);
      return;
    }
    setResult(`Not sent: ${problemText(r.error)}`);
  };

  return (
    <form
      class="action-form"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        if (canSend) void send();
      }}
    >
      <h3>{label}</h3>
      {action.purpose ? <p class="small muted">{action.purpose}</p> : null}
      <label class="inline-label">
        <span>Language</span>
        <select value={language} onChange={(e) => setLanguage((e.target as HTMLSelectElement).value)}>
          <option value="">The buyer’s (detected)</option>
          {[...new Set([ticket.language, ...LANGUAGES].filter((l): l is string => !!l))].map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label class="block">
        <span>Text to the buyer</span>
        <textarea
          rows={5}
          value={text}
          aria-invalid={fieldError || tooLong ? true : undefined}
          aria-describedby="action-text-help"
          onInput={(e) => {
            setText((e.target as HTMLTextAreaElement).value);
            setResult(null);
            setFieldError(null);
          }}
        />
      </label>
      <p id="action-text-help" class={tooLong ? 'error small' : 'muted small'}>
        {text.length} / {max} characters{tooLong ? ': too long for this action' : ''}
        {text.trim() ? (!checked ? ' · checking…' : blocked ? ' · blocked by Amazon’s rules' : verdict === 'warn' ? ' · passes, with warnings' : ' · compliant') : ''}
      </p>
      {fieldError ? (
        <p class="error small" role="alert">
          {fieldError}
        </p>
      ) : null}
      {checked && findings.length ? <FindingList findings={findings} /> : null}
      {result ? (
        <p class="error small" role="alert">
          {result}
        </p>
      ) : null}
      <div class="actions">
        <button class="btn primary small" disabled={!canSend}>
          {sending ? 'Sending…' : `Send “${label}”`}
        </button>
        <button type="button" class="btn secondary small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
