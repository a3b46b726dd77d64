import { countdown, type SlaFields } from '../sla';
import { channelLabel, riskLabel } from '../format';

export function ChannelBadge({ channel, marketplace }: { channel: string; marketplace?: string | null }) {
  return (
    <span class={`badge channel channel-${channel}`} data-channel={channel} title={channelLabel[channel] ?? channel}>
      {marketplace || (channelLabel[channel] ?? channel)}
    </span>
  );
}

export function Countdown({ sla, now }: { sla: SlaFields; now: number }) {
  const c = countdown(sla, now);
  const title =
    c.level === 'breached'
      ? 'The marketplace deadline has passed'
      : c.level === 'warning'
        ? 'Internal deadline passed or most of the window used'
        : sla.due_at
          ? `Due ${new Date(sla.due_at).toLocaleString()}`
          : undefined;
  return (
    <span class={`countdown level-${c.level}`} data-level={c.level} title={title} role="timer" aria-live="off">
      {c.label}
    </span>
  );
}

export function RiskMarker({ risk }: { risk?: string | null }) {
  if (!risk) return null;
  return (
    <span class="badge risk" title="Account-health risk">
      <span aria-hidden="true">⚠ </span>
      {riskLabel[risk] ?? risk}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: string }) {
  if (priority === 'normal' || priority === 'low') return null;
  return <span class={`badge prio prio-${priority}`}>{priority}</span>;
}

export function Tags({ tags }: { tags?: string[] | null }) {
  if (!tags?.length) return null;
  return (
    <span class="tags">
      {tags.map((t) => (
        <span class="tag" key={t}>
          {t}
        </span>
      ))}
    </span>
  );
}

export function Avatar({ name }: { name?: string | null }) {
  if (!name) return <span class="avatar none" title="Unassigned">–</span>;
  return (
    <span class="avatar" title={`Assigned to ${name}`}>
      {name.slice(0, 2).toUpperCase()}
    </span>
  );
}
