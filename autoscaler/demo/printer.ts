// What `vmpilot demo` prints while it runs. Compact by default: one summary line per global
// round (T1) adding up the local rounds since the last line, each migration as it starts and
// as it ends — with its phases — and held hosts when the set changes. `--verbose` adds every
// action as it is journalled (the local tunings included), one line each (./format.ts).
import type { TuningEvent } from '../../core/model/event';
import type { HeldHost } from '../sources/source';
import type { RoundReport } from '../service/service';
import { formatEvent, heldKey } from './format';

export interface DemoPrinterOptions {
  verbose: boolean;
  /** Local rounds per summary line when no global round closes the period (the demo's T1/T2 is 6). */
  localRoundsPerLine?: number;
  /** The wall clock for line stamps (tests pass a fixed one). */
  now?: () => Date;
}

const stamp = (d: Date) => d.toISOString().slice(11, 19);

/** `planned → started +0.1 s → completed +4.2 s`: each phase with its time since the first. */
export function phasesText(ev: TuningEvent): string {
  const t0 = Date.parse(ev.phases[0]?.time ?? ev.time);
  return ev.phases
    .map((p, i) => (i === 0 ? p.phase : `${p.phase} +${((Date.parse(p.time) - t0) / 1000).toFixed(1)} s`))
    .join(' → ');
}

/** `4 set_cpu_weight, 2 set_memory`: how many of each key. */
function countBy<T>(xs: readonly T[], key: (x: T) => string): string {
  const by = new Map<string, number>();
  for (const x of xs) by.set(key(x), (by.get(key(x)) ?? 0) + 1);
  return [...by].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** What the rounds since the last summary line did. */
interface Period {
  local: number;
  global: number;
  /** The local rounds' events (tunings are applied within the round). */
  localEvents: TuningEvent[];
  /** Moves the global rounds planned (their events come later: migrations run in the background). */
  movesPlanned: number;
  declined: number;
}

const emptyPeriod = (): Period => ({ local: 0, global: 0, localEvents: [], movesPlanned: 0, declined: 0 });

/** The head of a held reason: `implausible metrics` of `implausible metrics: host usage cpu = 2.5 (…)`. */
const reasonHead = (reason: string) => reason.split(/: | \(/)[0];

/** Held hosts grouped by their hold code, named by the head of the reason: `slow-1, slow-2: implausible metrics`. */
export function heldSummary(held: readonly HeldHost[]): string {
  const by = new Map<string, { head: string; hosts: string[] }>();
  for (const h of held) {
    const g = by.get(h.code) ?? { head: reasonHead(h.reason), hosts: [] };
    g.hosts.push(h.host);
    by.set(h.code, g);
  }
  return [...by.values()]
    .map((g) => `${g.hosts.sort().join(', ')}: ${g.head}`)
    .sort()
    .join('; ');
}

export class DemoPrinter {
  private line = 0;
  private period = emptyPeriod();
  private lastHeld = '';
  private heldHosts = 0;
  /** Migrations started and not yet ended, by event id. */
  private readonly migrating = new Set<string>();
  private readonly now: () => Date;

  constructor(
    private readonly out: (line: string) => void,
    private readonly o: DemoPrinterOptions,
  ) {
    this.now = o.now ?? (() => new Date());
  }

  onEvent(ev: TuningEvent): void {
    if (ev.action === 'migrate') {
      const ended = ev.result !== 'started' && ev.result !== 'planned';
      const wasRunning = this.migrating.has(ev.id);
      if (ev.result === 'started') this.migrating.add(ev.id);
      else if (ended) this.migrating.delete(ev.id);
      // Compact: the start and the end; verbose: every step.
      if (!this.o.verbose && ev.result === 'planned') return;
      const line = formatEvent(ev, this.now());
      this.out(ended && wasRunning ? `${line}  [${phasesText(ev)}]` : line);
      return;
    }
    if (this.o.verbose || ev.kind !== 'local') this.out(formatEvent(ev, this.now()));
  }

  /**
   * Rounds add up to one line per global round (T1): what the local rounds since the last
   * line and the global round did. Without global rounds, a line every `localRoundsPerLine` + 1.
   */
  onRound(r: RoundReport): void {
    const t = stamp(this.now());
    // Compact: a line when the held hosts or the kind of reason change (not every new number).
    const key = this.o.verbose ? heldKey(r.plan.held) : heldSummary(r.plan.held);
    if (key !== this.lastHeld) {
      this.out(key === '' ? `${t}  held    none: every host has fresh data` : `${t}  held    ${key}`);
      this.lastHeld = key;
    }
    this.heldHosts = r.plan.held.length;
    if (r.outcome === 'error' || r.outcome === 'timeout')
      this.out(`${t}  ${r.loop} round ${r.outcome}: ${r.error ?? ''}`);
    const p = this.period;
    p[r.loop]++;
    if (r.loop === 'local') p.localEvents.push(...r.events);
    else p.movesPlanned += r.plan.actions.filter((a) => a.kind === 'migrate' || a.kind === 'restart').length;
    p.declined += r.plan.declined?.length ?? 0;
    // A T1 period holds one global round and T1/T2 local ones; more local rounds than that
    // means no global round is coming (a strategy without one): close the period anyway.
    if (r.loop === 'global' || p.local > (this.o.localRoundsPerLine ?? 6)) this.flush(t);
  }

  private flush(t: string): void {
    const p = this.period;
    this.period = emptyPeriod();
    this.line++;
    const local = p.localEvents;
    const parts = [
      `local ${p.local} round(s): ${local.length === 0 ? 'no action' : `${local.length} action(s) (${countBy(local, (e) => e.action)}) ${countBy(local, (e) => e.result)}`}`,
      `global ${p.global} round(s): ${p.movesPlanned === 0 ? 'no move' : `${p.movesPlanned} move(s) planned`}` +
        (p.declined > 0 ? `, ${p.declined} declined` : ''),
      `${this.migrating.size} migrating`,
      ...(this.heldHosts > 0 ? [`${this.heldHosts} host(s) held`] : []),
    ];
    this.out(`${t}  round ${String(this.line).padEnd(3)} ${parts.join(' · ')}`);
  }
}
