// Prepared text with a Copy button (the clipboard may be refused: then the text is selectable).
import { useState } from 'preact/hooks';

export function CopyBlock({ text, what }: { text: string; what: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('Copied.');
    } catch {
      setCopied('The browser refused: select the text and copy it.');
    }
  };
  return (
    <div class="copy-block">
      <pre class="prepared" tabIndex={0}>
        {text}
      </pre>
      <div class="actions">
        <button type="button" class="btn small secondary" aria-label={`Copy ${what}`} onClick={() => void copy()}>
          Copy
        </button>
        {copied ? (
          <span class="small ok" role="status">
            {copied}
          </span>
        ) : null}
      </div>
    </div>
  );
}
