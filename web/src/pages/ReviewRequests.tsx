// "Request a Review" settings (`GET/PUT /v1/admin/review-requests`): the opt-in, the
// marketplaces, the day after delivery within Amazon's 5–30 window and the skip rules, saved
// with If-Match (a 412 re-reads and says so); the API's 422 is shown at the field it names.
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, versionOf, type Schemas } from '../api/client';
import { REVIEW_WINDOW, fieldOf } from '../amazon';
import { AMAZON_MARKETPLACES, dateTime } from '../format';

type Settings = Schemas['ReviewRequestSettings'];
type Skip = Schemas['SkipRules'];

const SKIPS: { key: keyof Skip; label: string }[] = [
  { key: 'open_ticket', label: 'The order has an open or pending ticket' },
  { key: 'claim', label: 'The order has an A-to-z claim or a chargeback' },
  { key: 'return_or_refund', label: 'The order was returned or refunded' },
  { key: 'negative_feedback', label: 'The buyer left negative or neutral feedback' },
];

const DEFAULT_SKIP: Skip = { open_ticket: true, claim: true, return_or_refund: true, negative_feedback: true };

export function ReviewRequestSettings({ isAdmin }: { isAdmin: boolean }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [meta, setMeta] = useState<{ etag: string | null; by?: string | null; at?: string | null }>({ etag: null });
  const [days, setDays] = useState('7');
  const [forbidden, setForbidden] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [known, setKnown] = useState<Record<string, string>>(AMAZON_MARKETPLACES);

  const load = async (): Promise<boolean> => {
    const r = await api.GET('/v1/admin/review-requests');
    if (r.response.status === 403) {
      setForbidden(true);
      return false;
    }
    if (!r.data) {
      setError(problemText(r.error));
      return false;
    }
    const s = r.data.settings;
    setSettings({ ...s, marketplaces: s.marketplaces ?? [], skip: s.skip ?? DEFAULT_SKIP });
    setDays(String(s.days_after_delivery));
    setMeta({ etag: r.response.headers.get('ETag'), by: r.data.updated_by, at: r.data.updated_at });
    setError(null);
    return true;
  };

  useEffect(() => {
    void load();
    if (!isAdmin) return;
    // The tenant's Amazon accounts name marketplaces beyond the app's own list.
    void api.GET('/v1/admin/accounts').then((r) => {
      if (!r.data) return;
      const more: Record<string, string> = {};
      for (const a of r.data.items) {
        const m = a.marketplace as { id?: string } | undefined;
        if (a.channel === 'amazon' && m?.id) more[m.id] = AMAZON_MARKETPLACES[m.id] ?? a.display_name;
      }
      setKnown((k) => ({ ...k, ...more }));
    });
  }, []);

  if (forbidden)
    return (
      <p class="muted" data-testid="review-requests-forbidden">
        Only an admin can see and change the review-request settings.
      </p>
    );
  if (error && !settings)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!settings) return <p class="muted loading">Loading the review-request settings…</p>;

  const marketplaces = settings.marketplaces ?? [];
  const options = { ...known };
  for (const id of marketplaces) options[id] ??= id;
  const skip = settings.skip ?? DEFAULT_SKIP;
  const set = (change: Partial<Settings>) => {
    setSettings({ ...settings, ...change });
    setMessage(null);
  };
  const readOnly = !isAdmin;

  const save = async () => {
    setSaving(true);
    setFields({});
    setMessage(null);
    const body: Settings = { ...settings, days_after_delivery: Number(days) };
    const r = await api.PUT('/v1/admin/review-requests', {
      params: { header: meta.etag ? { 'If-Match': meta.etag } : {} },
      body,
    });
    setSaving(false);
    if (r.data) {
      setSettings({ ...r.data.settings, marketplaces: r.data.settings.marketplaces ?? [], skip: r.data.settings.skip ?? DEFAULT_SKIP });
      setDays(String(r.data.settings.days_after_delivery));
      setMeta({ etag: r.response.headers.get('ETag') ?? (r.data.version ? `"v${r.data.version}"` : null), by: r.data.updated_by, at: r.data.updated_at });
      setMessage({ ok: true, text: 'Saved.' });
      return;
    }
    const status = r.response.status;
    if (status === 412) {
      await load();
      setMessage({ ok: false, text: 'Another admin changed these settings meanwhile: they were re-read (shown now). Review them and save again.' });
      return;
    }
    const err = (r.error ?? {}) as { field?: string | null; detail?: string };
    const field = fieldOf(err.field);
    if ((status === 422 || status === 400) && field) {
      setFields({ [field]: err.detail ?? problemText(r.error) });
      setMessage({ ok: false, text: 'Not saved: see the field marked in red.' });
      return;
    }
    setMessage({ ok: false, text: `Not saved: ${problemText(r.error)}` });
  };

  const fieldError = (name: string) =>
    fields[name] ? (
      <span class="field-error error small" id={`rr-${name}-error`} role="alert">
        {fields[name]}
      </span>
    ) : null;

  return (
    <form
      class="review-settings card"
      noValidate
      aria-labelledby="rr-title"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2 id="rr-title">Request a Review (Amazon)</h2>
      <p class="small muted">
        Amazon’s own “Request a Review” message, sent once per order through the Solicitations API on the chosen day after delivery —
        never a message that asks for a positive review. Off until you opt in.
      </p>
      {readOnly ? <p class="small muted" role="note">Read only: an admin changes these settings.</p> : null}
      <fieldset disabled={readOnly || saving}>
        <label class="check">
          <input type="checkbox" checked={settings.enabled} onChange={(e) => set({ enabled: (e.target as HTMLInputElement).checked })} /> Send review
          requests
        </label>

        <fieldset class="group" aria-describedby={fields.marketplaces ? 'rr-marketplaces-error' : undefined}>
          <legend>Marketplaces</legend>
          <p class="small muted">None chosen means every Amazon marketplace.</p>
          <div class="check-grid">
            {Object.entries(options).map(([id, name]) => (
              <label key={id} class="check">
                <input
                  type="checkbox"
                  value={id}
                  checked={marketplaces.includes(id)}
                  onChange={(e) => {
                    const on = (e.target as HTMLInputElement).checked;
                    set({ marketplaces: on ? [...marketplaces, id] : marketplaces.filter((m) => m !== id) });
                  }}
                />{' '}
                {name} <span class="muted small code">{id}</span>
              </label>
            ))}
          </div>
          {fieldError("marketplaces")}
        </fieldset>

        <div class="block field">
          <label for="rr-days">Days after delivery</label>
          <input
            id="rr-days"
            type="number"
            name="days_after_delivery"
            min={REVIEW_WINDOW.from}
            max={REVIEW_WINDOW.to}
            value={days}
            aria-invalid={fields.days_after_delivery ? true : undefined}
            aria-describedby={fields.days_after_delivery ? 'rr-days_after_delivery-error rr-days-help' : 'rr-days-help'}
            onInput={(e) => {
              setDays((e.target as HTMLInputElement).value);
              setMessage(null);
            }}
          />{' '}
          <span id="rr-days-help" class="small muted">
            Amazon allows {REVIEW_WINDOW.from} to {REVIEW_WINDOW.to} days after delivery.
          </span>
          {fieldError("days_after_delivery")}
        </div>

        <fieldset class="group">
          <legend>Skip an order when</legend>
          {SKIPS.map((s) => (
            <label key={s.key} class="check">
              <input
                type="checkbox"
                name={`skip.${s.key}`}
                checked={skip[s.key]}
                onChange={(e) => set({ skip: { ...skip, [s.key]: (e.target as HTMLInputElement).checked } })}
              />{' '}
              {s.label}
              {fieldError(`skip.${s.key}`)}
            </label>
          ))}
        </fieldset>
      </fieldset>
      {error ? (
        <p class="error small" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        {!readOnly ? (
          <button class="btn primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        ) : null}
        {message ? (
          <span class={message.ok ? 'ok' : 'error'} role="status">
            {message.text}
          </span>
        ) : null}
        <span class="muted small">
          {meta.etag ? `Version ${versionOf(meta.etag) ?? '?'}` : 'Defaults (never saved)'}
          {meta.by ? ` · changed by ${meta.by}` : ''}
          {meta.at ? ` on ${dateTime(meta.at)}` : ''}
        </span>
      </div>
    </form>
  );
}
