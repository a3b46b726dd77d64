import type { Finding } from '../api/client';

const SEVERITY_LABEL: Record<string, string> = { block: 'Blocks sending', warn: 'Warning' };

/** The compliance findings of a text: rule, excerpt, message and suggestion (the Composer's and
 * the order actions' list). `onSelect` selects the finding's words in the text. */
export function FindingList({ findings, onSelect, label = 'Compliance findings' }: { findings: Finding[]; onSelect?: (f: Finding) => void; label?: string }) {
  return (
    <ul class="findings" aria-label={label}>
      {findings.map((f, i) => (
        <li key={i} class={`sev-${f.severity}`} data-rule={f.rule}>
          {onSelect ? (
            <button type="button" class="linklike" onClick={() => onSelect(f)}>
              <span class="rule">{f.rule}</span> <q>{f.excerpt}</q>
            </button>
          ) : (
            <span>
              <span class="rule">{f.rule}</span> <q>{f.excerpt}</q>
            </span>
          )}
          <span class="sev">{SEVERITY_LABEL[f.severity] ?? f.severity}</span>
          <div class="msg">{f.message}</div>
          <div class="suggestion">
            <strong>Suggestion:</strong> {f.suggestion}
          </div>
        </li>
      ))}
    </ul>
  );
}
