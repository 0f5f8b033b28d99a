// Journalling of the applier's events: a new event for an action, and each change of its
// state appended to the sink, counted in the metrics once it is closed, and passed to the
// optional listener (the demo prints decisions from it).
import { randomUUID } from 'node:crypto';
import type { EventKind, EventParams, EventResult, TuningEvent } from '../../core/model/event';
import type { ActionKind, Reason } from '../../core/model/plan';
import type { Values } from './handler';
import type { ApplierMetrics, EventSink } from './ports';

/** What an event is made from: any action, of a known kind or not (a generic handler's). */
export interface ActionFields {
  kind: ActionKind;
  vm: string;
  from: string;
  to?: string;
  params: EventParams;
  reason: Reason;
}

export class EventRecorder {
  constructor(
    private readonly sink: EventSink,
    private readonly metrics: ApplierMetrics,
    private readonly clock: () => number,
    private readonly onEvent?: (ev: TuningEvent) => void,
    private readonly newId: () => string = randomUUID,
  ) {}

  now(): string {
    return new Date(this.clock()).toISOString();
  }

  /** The event of an action, not yet journalled: planned, with its reason and parameters. */
  create(action: ActionFields, kind: EventKind, before: Values | null, after: Values | null): TuningEvent {
    return {
      id: this.newId(),
      time: this.now(),
      kind,
      vm: action.vm,
      host: action.from,
      action: action.kind,
      before,
      after,
      result: 'planned',
      reason: action.reason,
      phases: [],
      params: action.params,
      ...(action.to !== undefined ? { to: action.to } : {}),
    };
  }

  /**
   * Journals the event as started and waits until the sink lets this process act (its
   * fence: durable, and still the leader). Throws, with the action not done, when it may not.
   */
  async recordStarted(ev: TuningEvent, extra: Partial<TuningEvent> = {}): Promise<TuningEvent> {
    const started = this.record(ev, 'started', extra);
    await this.sink.fence?.();
    return started;
  }

  /** Journals the event in its new state; closed states are counted by kind and result. */
  record(ev: TuningEvent, result: EventResult, extra: Partial<TuningEvent> = {}): TuningEvent {
    const next: TuningEvent = { ...ev, ...extra, result };
    this.sink.append(next);
    if (result !== 'started' && result !== 'planned') {
      this.metrics.tuningEvents.inc({ kind: ev.kind, result });
      this.metrics.actions.inc({ kind: ev.action, result });
    }
    this.onEvent?.(next);
    return next;
  }
}
