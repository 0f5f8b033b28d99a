// One human line per decision and per change of held hosts (./printer.ts decides which are printed).
import type { TuningEvent } from '../../core/model/event';
import type { HeldHost } from '../sources/source';

function reasonText(r: TuningEvent['reason']): string {
  return typeof r === 'string' ? r : `[${r.rule}] ${r.text}`;
}

function clock(iso: string): string {
  return iso.slice(11, 19);
}

export function formatEvent(ev: TuningEvent, now: Date = new Date()): string {
  const what =
    ev.action === 'migrate'
      ? `migrate ${ev.vm} ${ev.host} → ${ev.to ?? '?'}`
      : `${ev.action} ${ev.vm} on ${ev.host} ${JSON.stringify(ev.params ?? ev.after)}`;
  const last = ev.phases[ev.phases.length - 1];
  const detail =
    ev.result === 'completed' && ev.action === 'migrate' && last?.durationSeconds !== undefined
      ? ` in ${last.durationSeconds.toFixed(1)} s${last.downtimeMs !== undefined ? `, downtime ${Math.round(last.downtimeMs)} ms` : ''}`
      : (ev.result === 'failed' || ev.result === 'skipped') && ev.error
        ? `: ${ev.error}`
        : '';
  const why =
    ev.result === 'started' || ev.result === 'dry-run' || ev.result === 'failed'
      ? `  — ${reasonText(ev.reason)}`
      : '';
  return `${clock(now.toISOString())}  ${ev.kind.padEnd(6)}  ${what}  ${ev.result}${detail}${why}`;
}

/** Held hosts as a stable string, to print only when the set changes. */
export function heldKey(held: HeldHost[]): string {
  return held
    .map((h) => `${h.host}: ${h.reason}`)
    .sort()
    .join('; ');
}
