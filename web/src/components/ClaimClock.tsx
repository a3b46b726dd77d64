// Amazon's clock of a claim (`claimCountdown`), coloured like the SLA countdowns: on the claims
// screen and on a claim ticket's sidebar.
import { claimCountdown } from '../amazon';
import { dateTime } from '../format';
import { formatDuration } from '../sla';

export function ClaimClock({ claim, now }: { claim: { status: string; respond_by: string }; now: number }) {
  const c = claimCountdown(claim, now, formatDuration);
  return (
    <span class={`countdown level-${c.css}`} data-claim-level={c.level} title={`Amazon's deadline: ${dateTime(claim.respond_by)}`}>
      {c.label}
    </span>
  );
}
