// Settings for admins: SLA policies (with the preview), templates, automation rules, channel
// accounts and review requests (a form of its own, ReviewRequests.tsx). Each entry is edited as the API's JSON (validated by the API, whose 422 names the
// field), saved with If-Match so two admins never overwrite each other.
import { useEffect, useState } from 'preact/hooks';
import { api, problemText } from '../api/client';
import { ReviewRequestSettings } from './ReviewRequests';

type Kind = 'policies' | 'templates' | 'rules' | 'accounts';
export type SettingsKind = Kind | 'review-requests';

const KINDS: { kind: Kind; label: string; help: string }[] = [
  { kind: 'policies', label: 'SLA policies', help: 'Deadlines per channel, business hours and holidays. Narrowest first.' },
  { kind: 'templates', label: 'Templates', help: 'Reply templates with [PLACEHOLDERS] filled from the order.' },
  { kind: 'rules', label: 'Rules', help: 'Keyword rules that tag, prioritise, route and suggest drafts, in order.' },
  { kind: 'accounts', label: 'Accounts', help: 'Connected Amazon, eBay and Shopify accounts (credentials are write-only).' },
];
const REVIEW_TAB = { kind: 'review-requests' as const, label: 'Review requests' };

function SettingsTabs({ kind, isAdmin }: { kind: SettingsKind; isAdmin: boolean }) {
  const tabs: { kind: SettingsKind; label: string }[] = [...(isAdmin ? KINDS : []), REVIEW_TAB];
  return (
    <header class="page-head">
      <h1 id="settings-title">Settings</h1>
      <nav class="status-tabs" aria-label="Settings sections">
        {tabs.map((k) => (
          <a key={k.kind} href={`/settings/${k.kind}`} class={k.kind === kind ? 'tab active' : 'tab'} aria-current={k.kind === kind ? 'page' : undefined}>
            {k.label}
          </a>
        ))}
      </nav>
    </header>
  );
}

export function Settings({ kind, isAdmin }: { kind: SettingsKind; isAdmin: boolean }) {
  if (kind === 'review-requests')
    return (
      <section class="settings" aria-labelledby="settings-title">
        <SettingsTabs kind={kind} isAdmin={isAdmin} />
        <ReviewRequestSettings isAdmin={isAdmin} />
      </section>
    );
  return <EntrySettings kind={kind} isAdmin={isAdmin} />;
}

type Entry = Record<string, unknown> & { id: string; version?: number };

// The four resources share one shape of CRUD; openapi-fetch keeps each call typed.
async function list(kind: Kind): Promise<{ items: Entry[]; error?: string }> {
  const r =
    kind === 'policies'
      ? await api.GET('/v1/sla/policies')
      : kind === 'templates'
        ? await api.GET('/v1/templates')
        : kind === 'rules'
          ? await api.GET('/v1/rules')
          : await api.GET('/v1/admin/accounts');
  if (r.error) return { items: [], error: problemText(r.error) };
  return { items: (r.data as unknown as { items: Entry[] }).items };
}

async function save(kind: Kind, entry: Entry | null, body: unknown): Promise<string | null> {
  const b = body as never;
  const params = entry ? { path: { id: entry.id }, header: { 'If-Match': `"v${entry.version ?? 0}"` } } : null;
  const r = params
    ? kind === 'policies'
      ? await api.PUT('/v1/sla/policies/{id}', { params, body: b })
      : kind === 'templates'
        ? await api.PUT('/v1/templates/{id}', { params, body: b })
        : kind === 'rules'
          ? await api.PUT('/v1/rules/{id}', { params, body: b })
          : await api.PUT('/v1/admin/accounts/{id}', { params, body: b })
    : kind === 'policies'
      ? await api.POST('/v1/sla/policies', { body: b })
      : kind === 'templates'
        ? await api.POST('/v1/templates', { body: b })
        : kind === 'rules'
          ? await api.POST('/v1/rules', { body: b })
          : await api.POST('/v1/admin/accounts', { body: b });
  if (!r.error) return null;
  if (r.response.status === 412) return 'Changed by someone else meanwhile: reloaded, review and save again.';
  const e = r.error as { findings?: { message: string }[] };
  return problemText(r.error) + (e.findings?.length ? ` — ${e.findings.map((f) => f.message).join('; ')}` : '');
}

async function remove(kind: Kind, entry: Entry): Promise<string | null> {
  const opts = { params: { path: { id: entry.id }, header: { 'If-Match': `"v${entry.version ?? 0}"` } } };
  const r =
    kind === 'policies'
      ? await api.DELETE('/v1/sla/policies/{id}', opts)
      : kind === 'templates'
        ? await api.DELETE('/v1/templates/{id}', opts)
        : kind === 'rules'
          ? await api.DELETE('/v1/rules/{id}', opts)
          : await api.DELETE('/v1/admin/accounts/{id}', opts);
  return r.error ? problemText(r.error) : null;
}

/** What the API answers but does not take back. */
const READ_ONLY = ['version', 'origin', 'default', 'created_at', 'updated_at', 'poll_schedule', 'region'];

function editable(entry: Entry): string {
  const copy: Record<string, unknown> = { ...entry };
  for (const k of READ_ONLY) delete copy[k];
  return JSON.stringify(copy, null, 2);
}

function EntrySettings({ kind, isAdmin }: { kind: Kind; isAdmin: boolean }) {
  const [items, setItems] = useState<Entry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Entry | null>(null);
  const [text, setText] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const meta = KINDS.find((k) => k.kind === kind)!;

  const reload = async (keep?: string) => {
    const r = await list(kind);
    setItems(r.items);
    setError(r.error ?? null);
    const again = r.items.find((i) => i.id === keep) ?? null;
    setSelected(again);
    setText(again ? editable(again) : '');
  };
  useEffect(() => {
    setMessage(null);
    void reload();
  }, [kind]);

  const onSave = async () => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setMessage({ ok: false, text: `Not JSON: ${(e as Error).message}` });
      return;
    }
    const err = await save(kind, selected, body);
    setMessage(err ? { ok: false, text: err } : { ok: true, text: 'Saved.' });
    await reload(selected?.id ?? (body as { id?: string }).id);
  };

  return (
    <section class="settings" aria-labelledby="settings-title">
      <SettingsTabs kind={kind} isAdmin={isAdmin} />
      <p class="muted">{meta.help}</p>
      {error ? <p class="error" role="alert">{error}</p> : null}
      <div class="split">
        <ul class="entry-list" aria-label={meta.label}>
          {items.map((i) => (
            <li key={i.id}>
              <button
                class={selected?.id === i.id ? 'entry on' : 'entry'}
                onClick={() => {
                  setSelected(i);
                  setText(editable(i));
                  setMessage(null);
                }}
              >
                <strong>{String(i.name ?? i.display_name ?? i.id)}</strong>
                <span class="muted small">
                  {i.id}
                  {i.channel ? ` · ${String(i.channel)}` : ''}
                  {i.origin ? ` · ${String(i.origin)}` : ''}
                  {i.enabled === false ? ' · disabled' : ''} · v{i.version ?? 0}
                </span>
              </button>
            </li>
          ))}
          <li>
            <button
              class="btn secondary small"
              onClick={() => {
                setSelected(null);
                setText(kind === 'rules' ? '{\n  "name": "",\n  "position": 10,\n  "conditions": {},\n  "actions": {}\n}' : '{\n  "id": ""\n}');
                setMessage(null);
              }}
            >
              New…
            </button>
          </li>
        </ul>
        <div class="editor-pane">
          {selected || text ? (
            <>
              <label class="block">
                <span>{selected ? `Edit ${selected.id}` : 'New entry'} (JSON)</span>
                <textarea class="code" rows={20} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} spellcheck={false} />
              </label>
              <div class="actions">
                <button class="btn primary" onClick={() => void onSave()}>
                  Save
                </button>
                {selected && selected.origin !== 'starter' && !selected.default ? (
                  <button
                    class="btn danger"
                    onClick={async () => {
                      if (!confirm(`Delete ${selected.id}?`)) return;
                      const err = await remove(kind, selected);
                      setMessage(err ? { ok: false, text: err } : { ok: true, text: 'Deleted.' });
                      await reload();
                    }}
                  >
                    Delete
                  </button>
                ) : null}
                {message ? <span class={message.ok ? 'ok' : 'error'} role="status">{message.text}</span> : null}
              </div>
              {kind === 'policies' ? <Preview policy={selected?.id ?? null} draft={text} /> : null}
            </>
          ) : (
            <p class="muted">Select an entry to edit it.</p>
          )}
        </div>
      </div>
    </section>
  );
}

/** The SLA preview: every deadline a policy — as edited, unsaved — gives a buyer message. */
function Preview({ policy, draft }: { policy: string | null; draft: string }) {
  const [at, setAt] = useState(() => new Date().toISOString().slice(0, 16));
  const [result, setResult] = useState<unknown>(null);
  const [error, setError] = useState<string | null>(null);
  if (!policy && !draft) return null;
  const run = async () => {
    let edited: unknown = policy;
    try {
      edited = JSON.parse(draft);
    } catch {
      /* not JSON (yet): preview the saved policy */
    }
    const r = await api.POST('/v1/sla/preview', { body: { policy: edited, message_at: new Date(at).toISOString() } as never });
    if (r.error) setError(problemText(r.error));
    else {
      setError(null);
      setResult(r.data);
    }
  };
  return (
    <div class="preview card">
      <h2>Preview {policy ?? 'the new policy'} as edited</h2>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label>
          Buyer message at <input type="datetime-local" value={at} onInput={(e) => setAt((e.target as HTMLInputElement).value)} />
        </label>
        <button class="btn">Preview</button>
      </form>
      {error ? <p class="error">{error}</p> : null}
      {result ? <PreviewTable value={result} /> : null}
    </div>
  );
}

function PreviewTable({ value }: { value: unknown }) {
  const rows: [string, string][] = [];
  const walk = (v: unknown, path: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else rows.push([path, typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v).toLocaleString() : String(v)]);
  };
  walk(value, '');
  return (
    <table class="table small">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
