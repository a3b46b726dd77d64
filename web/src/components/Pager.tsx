// Previous / next page of a cursor listing whose cursors are kept in the address: `before` holds
// the cursors of the pages before this one, so Back and Previous both work.
export function Pager({ cursor, next, before, go }: { cursor: string | null; next: string | null; before: string[]; go: (page: { cursor: string | null; before: string[] }) => void }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="btn small secondary" disabled={!cursor} onClick={() => go({ cursor: before[before.length - 1] || null, before: before.slice(0, -1) })}>
        ← Previous page
      </button>
      <button type="button" class="btn small secondary" disabled={!next} onClick={() => go({ cursor: next, before: [...before, cursor ?? ''] })}>
        Next page →
      </button>
    </nav>
  );
}
