import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, problemText, type Finding, type Message, type Order, type Ticket } from '../api/client';
import { useDebounced } from '../hooks';
import { FindingList } from './Findings';
import { fill, pickVariant, unfilled, utf16Span, valuesFrom } from '../templates';
import { dateTime } from '../format';

type Template = { id: string; name: string; variants: { channel?: string | null; language: string; body: string }[] };

interface Conflict {
  version: number;
  buyer: Message[];
  replies: Message[];
}

export interface ComposerProps {
  ticket: Ticket;
  order: Order | null | undefined;
  buyerName?: string | null;
  isAdmin: boolean;
  autoFocus: boolean;
  /** The composer's focus or text makes the presence "replying". */
  onActivity: (replying: boolean) => void;
  /** After a reply was queued, or to re-read the ticket. */
  onSent: () => void;
  onReload: () => void;
}

/** The text with the findings' spans marked (for the backdrop behind the textarea). */
function Highlighted({ text, findings }: { text: string; findings: Finding[] }) {
  const parts: preact.ComponentChildren[] = [];
  const spans = findings
    .map((f) => ({ f, span: utf16Span(text, f.start, f.end) }))
    .sort((a, b) => a.span[0] - b.span[0]);
  let at = 0;
  spans.forEach(({ f, span: [from, to] }, i) => {
    if (from < at) return; // overlapping: the first wins
    parts.push(text.slice(at, from));
    parts.push(
      <mark key={i} class={`finding sev-${f.severity}`} data-rule={f.rule}>
        {text.slice(from, to)}
      </mark>,
    );
    at = to;
  });
  parts.push(text.slice(at));
  // A trailing newline needs a character after it to take up its line.
  return (
    <>
      {parts}
      {'\u200b'}
    </>
  );
}

export function Composer(props: ComposerProps) {
  const { ticket, order, isAdmin } = props;
  const [body, setBody] = useState('');
  const [templates, setTemplates] = useState<Template[]>([]);
  const [findings, setFindings] = useState<Finding[]>([]);
  const [verdict, setVerdict] = useState<'pass' | 'warn' | 'block' | null>(null);
  const [checkedBody, setCheckedBody] = useState<string | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [overriding, setOverriding] = useState(false);
  const [overrideReason, setOverrideReason] = useState('');
  const [version, setVersion] = useState(ticket.version);
  const area = useRef<HTMLTextAreaElement>(null);
  const backdrop = useRef<HTMLDivElement>(null);
  const settled = useDebounced(body, 350);

  // A fresh read of the ticket is what the agent now writes against (unless a conflict is open).
  useEffect(() => {
    if (!conflict) setVersion(ticket.version);
  }, [ticket.version]);

  useEffect(() => {
    if (props.autoFocus) area.current?.focus();
  }, [props.autoFocus]);

  useEffect(() => {
    void api.GET('/v1/templates').then((r) => {
      if (r.data) setTemplates(r.data.items as unknown as Template[]);
    });
  }, []);

  // The compliance check as the agent types (debounced; the answer for an older text is dropped).
  useEffect(() => {
    if (!settled.trim()) {
      setFindings([]);
      setVerdict(null);
      setCheckedBody(settled);
      return;
    }
    let current = true;
    void api
      .POST('/v1/compliance/check', {
        body: {
          channel: ticket.channel,
          marketplace: order?.marketplace_id ?? undefined,
          language: ticket.language ?? undefined,
          body: settled,
        },
      })
      .then((r) => {
        if (!current) return;
        if (r.data) {
          setFindings(r.data.findings);
          setVerdict(r.data.verdict);
          setCheckedBody(settled);
          setCheckError(null);
        } else setCheckError(problemText(r.error));
      });
    return () => {
      current = false;
    };
  }, [settled, ticket.channel]);

  useEffect(() => props.onActivity(body.length > 0), [body.length > 0]);

  const missing = useMemo(() => unfilled(body), [body]);
  const checked = checkedBody === body;
  const blocking = findings.filter((f) => f.severity === 'block');
  const blocked = checked && verdict === 'block';
  const canOverride = isAdmin && blocked && missing.length === 0;
  const canSend =
    !sending && body.trim().length > 0 && checked && missing.length === 0 && (!blocked || (overriding && overrideReason.trim().length > 0));

  const useTemplate = (id: string) => {
    const t = templates.find((x) => x.id === id);
    if (!t) return;
    const v = pickVariant(t.variants, ticket.channel, ticket.language);
    if (!v) return;
    setBody(fill(v.body, valuesFrom(ticket, order, props.buyerName)));
    setResult(null);
    area.current?.focus();
  };

  const fillOne = (name: string, value: string) => setBody((b) => fill(b, { [name]: value }));

  const select = (f: Finding) => {
    const el = area.current;
    if (!el) return;
    const [from, to] = utf16Span(body, f.start, f.end);
    el.focus();
    el.setSelectionRange(from, to);
  };

  const send = async (atVersion: number, seen: Set<string> = new Set()): Promise<void> => {
    setSending(true);
    setResult(null);
    const r = await api.POST('/v1/tickets/{id}/replies', {
      params: { path: { id: ticket.id } },
      body: {
        body,
        expected_version: atVersion,
        language: ticket.language ?? undefined,
        override_reason: overriding && overrideReason.trim() ? overrideReason.trim() : undefined,
      },
    });
    setSending(false);
    const status = r.response.status;
    if (r.data) {
      setBody('');
      setConflict(null);
      setOverriding(false);
      setOverrideReason('');
      setResult({ kind: 'ok', text: 'Reply queued for sending. The SLA clock stops when it is delivered.' });
      props.onSent();
      return;
    }
    const err = r.error as unknown as Record<string, unknown>;
    if (status === 409) {
      const changed = err.changes as { buyer_messages?: Message[]; replies?: Message[] } | undefined;
      const t = err.ticket as Ticket | undefined;
      const next = { version: t?.version ?? atVersion, buyer: changed?.buyer_messages ?? [], replies: changed?.replies ?? [] };
      // Confirmed after reading: a version that moved only by what the agent already read (a
      // delivery recorded, the same reply) is not a new conflict.
      if (seen.size && [...next.buyer, ...next.replies].every((m) => seen.has(m.id)) && next.version !== atVersion) {
        return send(next.version, seen);
      }
      setConflict(next);
      props.onReload();
      return;
    }
    if (status === 422 && Array.isArray(err.findings)) {
      setFindings(err.findings as Finding[]);
      setVerdict('block');
      setCheckedBody(body);
      setResult({ kind: 'error', text: 'Not sent: the reply breaks the channel’s rules (highlighted).' });
      return;
    }
    if (status === 422 && Array.isArray(err.missing)) {
      setResult({ kind: 'error', text: `Not sent: fill ${(err.missing as string[]).join(', ')}` });
      return;
    }
    setResult({ kind: 'error', text: `Not sent: ${problemText(r.error)}` });
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.metaKey || e.ctrlKey) && canSend) {
      e.preventDefault();
      void send(version);
    }
  };

  const sync = () => {
    if (backdrop.current && area.current) backdrop.current.scrollTop = area.current.scrollTop;
  };

  return (
    <section class="composer" aria-label="Reply">
      <div class="composer-bar">
        <label class="template-picker">
          <span>Template</span>
          <select
            value=""
            onChange={(e) => {
              useTemplate((e.target as HTMLSelectElement).value);
              (e.target as HTMLSelectElement).value = '';
            }}
          >
            <option value="">Insert a template…</option>
            {templates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <span class={`check-state ${checked ? verdict ?? '' : 'checking'}`} aria-live="polite">
          {!body.trim() ? '' : !checked ? 'Checking…' : verdict === 'block' ? 'Blocked by the channel’s rules' : verdict === 'warn' ? 'Passes, with warnings' : 'Compliant'}
        </span>
      </div>

      <div class="editor">
        <div class="backdrop" ref={backdrop} aria-hidden="true">
          <Highlighted text={body} findings={checked ? findings : []} />
        </div>
        <textarea
          ref={area}
          aria-label="Reply to the buyer"
          placeholder={`Reply to the buyer on ${ticket.channel}…  (Ctrl+Enter sends)`}
          value={body}
          onInput={(e) => {
            setBody((e.target as HTMLTextAreaElement).value);
            setResult(null);
          }}
          onScroll={sync}
          onFocus={() => props.onActivity(true)}
          onBlur={() => props.onActivity(body.length > 0)}
          onKeyDown={onKey}
          rows={7}
        />
      </div>

      {missing.length ? (
        <div class="unfilled" role="group" aria-label="Unfilled placeholders">
          <strong>Still to fill:</strong>
          {missing.map((m) => (
            <label key={m} class="fill">
              <code>[{m}]</code>
              <input
                type="text"
                aria-label={`Value for ${m}`}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    fillOne(m, (e.target as HTMLInputElement).value);
                  }
                }}
                onChange={(e) => fillOne(m, (e.target as HTMLInputElement).value)}
              />
            </label>
          ))}
        </div>
      ) : null}

      {checked && findings.length ? <FindingList findings={findings} onSelect={select} /> : null}
      {checkError ? <p class="error small">Compliance check unavailable: {checkError}</p> : null}

      {conflict ? (
        <div class="conflict" role="alertdialog" aria-labelledby="conflict-title">
          <h3 id="conflict-title">The ticket changed while you were writing</h3>
          <p>
            Your reply was not sent.{' '}
            {conflict.buyer.length ? `The buyer wrote ${conflict.buyer.length} new message(s)` : ''}
            {conflict.buyer.length && conflict.replies.length ? ' and ' : ''}
            {conflict.replies.length ? `${conflict.replies.length} reply(ies) went out from a colleague` : ''}
            {!conflict.buyer.length && !conflict.replies.length ? 'Someone else edited it' : ''}. Read what changed, then
            send your reply or edit it first.
          </p>
          {[...conflict.buyer, ...conflict.replies].map((m) => (
            <blockquote key={m.id} class={m.direction === 'inbound' ? 'from-buyer' : 'from-agent'}>
              <div class="small muted">
                {m.direction === 'inbound' ? 'Buyer' : m.author_name ?? authorName(m)} · {dateTime(m.sent_at)}
              </div>
              {m.body}
            </blockquote>
          ))}
          <div class="actions">
            <button
              class="btn primary"
              disabled={!canSend}
              onClick={() =>
                void send(Math.max(conflict.version, ticket.version), new Set([...conflict.buyer, ...conflict.replies].map((m) => m.id)))
              }
            >
              I have read it — send my reply
            </button>
            <button class="btn secondary" onClick={() => setConflict(null)}>
              Keep editing
            </button>
          </div>
        </div>
      ) : null}

      {canOverride ? (
        <div class="override">
          <label>
            <input type="checkbox" checked={overriding} onChange={(e) => setOverriding((e.target as HTMLInputElement).checked)} /> Send
            anyway as admin (audited)
          </label>
          {overriding ? (
            <input
              type="text"
              class="reason"
              aria-label="Reason for the override"
              placeholder="Why this reply may go out despite the findings"
              value={overrideReason}
              onInput={(e) => setOverrideReason((e.target as HTMLInputElement).value)}
            />
          ) : null}
        </div>
      ) : null}

      <div class="composer-foot">
        {result ? (
          <p class={result.kind === 'ok' ? 'ok small' : 'error small'} role="status">
            {result.text}
          </p>
        ) : (
          <p class="muted small">
            {blocked && blocking.length
              ? `${blocking.length} finding(s) block sending.`
              : missing.length
                ? 'Fill the placeholders to send.'
                : ''}
          </p>
        )}
        {!conflict ? (
          <button class="btn primary" disabled={!canSend} onClick={() => void send(version)}>
            {sending ? 'Sending…' : overriding && blocked ? 'Send with override' : 'Send reply'}
          </button>
        ) : null}
      </div>
    </section>
  );
}

export function authorName(m: Message): string {
  const a = m.author as { kind: string; agent?: string; rule?: string };
  if (a.kind === 'agent') return a.agent ?? 'agent';
  if (a.kind === 'automation') return `automation (${a.rule ?? 'rule'})`;
  if (a.kind === 'system') return 'system';
  return m.author_name ?? 'buyer';
}
