// The autoscaler service: observe → plan → apply, on two loops (T2 local rounds; every
// k-th tick also a T1 global round), one round at a time, each with a deadline. Holds hosts
// whose data is stale, partial or missing; honours pause and dry-run; graceful stop lets the
// action in flight finish (bounded) or abandons it safely (job aborted, event closed as
// failed with the VM's real location).
import type { Logger } from 'pino';
import pLimit from 'p-limit';
import { withDeadline } from '../../core/hypervisor/errors';
import type { HypervisorPort } from '../../core/hypervisor/port';
import type { TuningEvent } from '../../core/model/event';
import type { HeldVm } from '../../core/model/hold';
import type { Plan } from '../../core/model/plan';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { Applier } from '../applier/applier';
import type { LoadedConfig } from '../config/load';
import { matchesVm } from '../decision/config';
import { operatorConstraints, type OperatorConstraints } from '../decision/constraints';
import type { PlannerInput } from '../decision/planner';
import { buildRoundView } from '../decision/points';
import { activeProbes, probedBands } from '../decision/probe';
import { priorityScore } from '../decision/restart';
import type { EventLog } from '../journal/event-log';
import type { Strategy } from '../strategies/strategy';
import { vmpilotStrategy } from '../strategies/vmpilot';
import { planPlacement, type Placement, type PlacementRequest } from '../decision/place';
import { PlausibilityGate } from '../sources/plausibility';
import {
  MetricsSourceError,
  TooManySeriesError,
  type HeldHost,
  type MetricsSource,
  type Observation,
} from '../sources/source';
import { enrichSnapshot } from './enrich';
import { fillIoLimitsFromJournal } from './io-limits';
import { historyFromJournal } from './history';
import { withLearnedSwitchover } from './switchover';
import { unreachableHeld } from './reachability';
import type { ServiceMetrics } from './metrics';
import type { ProfileStore } from './profile-store';
import type { AlertInbox, ReceiveResult } from '../alerts/inbox';
import type { WebhookPayload } from '../alerts/webhook';
import type { PauseStore } from './pause-state';
import {
  configMaintenanceHosts,
  HostMaintenance,
  UnknownHostError,
  type MaintenanceListing,
} from './maintenance';
import { memoryMaintenanceStore, type MaintenanceStore } from './maintenance-state';
import { MemoryDefinitionStore, type DefinitionStore } from '../failover/definitions';
import { Failover } from '../failover/failover';
import { NotLeaderError, type ActingGate } from '../leader/leadership';

export type Loop = 'local' | 'global';

export interface RoundReport {
  loop: Loop;
  at: number;
  outcome: 'ok' | 'held' | 'error' | 'timeout' | 'paused';
  plan: Plan;
  events: TuningEvent[];
  durationSeconds: number;
  error?: string;
}

export interface ServiceOptions {
  config: LoadedConfig;
  port: HypervisorPort;
  source: MetricsSource;
  journal: EventLog;
  metrics: ServiceMetrics;
  log: Logger;
  clock?: () => number;
  onEvent?: (ev: TuningEvent) => void;
  onRound?: (r: RoundReport) => void;
  /** Where the operator's pause/resume is kept across restarts (pause-state.ts). */
  pauseStore?: PauseStore;
  /** Where hosts put in maintenance through the API are kept (maintenance-state.ts); default in memory. */
  maintenanceStore?: MaintenanceStore;
  /** What Alertmanager reported (POST /api/v1/alerts); its hotspot hosts reach the planner. */
  alerts?: AlertInbox;
  /**
   * What plans the rounds: vmpilot's planner by default; simulations run the baselines
   * through the same service and applier (autoscaler/strategies/registry.ts).
   */
  strategy?: Strategy;
  /** Samples of learned performance profiles (planner.serviceLevel.learnProfiles; issue 13). */
  profiles?: ProfileStore;
  /** Ids of the applier's events (default random UUIDs; see ApplierOptions.newEventId). */
  newEventId?: () => string;
  /**
   * Where VM definitions are kept for restarts after a host failure (failover/definitions.ts;
   * `vmpilot autoscaler` keeps them beside the journal); default in memory.
   */
  definitions?: DefinitionStore;
  /**
   * Leader election (autoscaler/leader/): while it says standby, no round runs, nothing is
   * applied and the API is read-only. Without it this service always acts.
   */
  gate?: ActingGate;
}

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class AutoscalerService {
  readonly applier: Applier;
  /** Failed-host detection, kept definitions and restart planning (issue 13). */
  readonly failover: Failover;
  /** Hosts in maintenance, from the config and from the API (maintenance.ts). */
  readonly maintenance: HostMaintenance;
  private readonly clock: () => number;
  private pausedFlag: boolean;
  private dryRunFlag: boolean;
  private stopped = true;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private tick = 0;
  private knownHosts: string[] = [];
  private lastHeldKey = '';
  private lastJournalProblem: string | undefined;
  lastRound: RoundReport | null = null;
  lastSuccessAt: number | null = null;
  private current: Promise<RoundReport> | null = null;
  private roundConstraints: OperatorConstraints | null = null;

  private readonly strategy: Strategy;
  /** Every observation passes it before the planner sees it (autoscaler/sources/plausibility.ts). */
  private gate: PlausibilityGate;
  /** One Alertmanager notification at a time, from read to commit (receiveAlerts). */
  private readonly alertTurn = pLimit(1);

  /** A copy of the options: a config reload replaces `config` and `source` (reconfigure). */
  private readonly o: ServiceOptions;

  constructor(options: ServiceOptions) {
    const o = (this.o = { ...options });
    this.clock = o.clock ?? Date.now;
    this.gate = new PlausibilityGate(o.config.plausibility, o.source.cpuRateWindow);
    this.strategy = o.strategy ?? vmpilotStrategy();
    const kept = o.pauseStore?.load();
    this.pausedFlag = o.config.paused || o.config.planner.paused || kept?.paused === true;
    if (kept?.paused)
      o.log.warn(
        { since: kept.at, stateFile: o.pauseStore?.file },
        'paused by operator before this start: still paused (POST /api/v1/resume to resume)',
      );
    this.dryRunFlag = o.config.dryRun || o.config.planner.dryRun;
    this.maintenance = new HostMaintenance(
      o.maintenanceStore ?? memoryMaintenanceStore(),
      configMaintenanceHosts(o.config),
    );
    const keptHosts = this.maintenance.apiHosts();
    if (keptHosts.length > 0)
      o.log.warn(
        { hosts: keptHosts.join(','), stateFile: this.maintenance.file },
        'hosts in maintenance through the API before this start: still in maintenance',
      );
    o.metrics.paused.set(this.pausedFlag ? 1 : 0);
    o.metrics.dryRun.set(this.dryRunFlag ? 1 : 0);
    const a = o.config.applier;
    this.failover = new Failover({
      config: o.config.failover,
      port: o.port,
      definitions: o.definitions ?? new MemoryDefinitionStore(),
      log: o.log,
      clock: this.clock,
      callTimeoutMs: a.callTimeoutSeconds * 1000,
      // A configured priority (planner.priorities) overrides the one kept with the domain.
      priorityOf: (vm) => {
        const p = this.o.config.planner.priorities.find((e) => matchesVm(e.vm, vm));
        return p ? priorityScore(p) : undefined;
      },
      configOrderOf: (vm) => {
        const i = Object.keys(this.o.config.vms).indexOf(vm);
        return i < 0 ? undefined : i;
      },
    });
    this.applier = new Applier({
      restart: this.failover.restartOptions(),
      port: o.port,
      journal: o.journal,
      metrics: o.metrics,
      log: o.log,
      clock: this.clock,
      callTimeoutMs: a.callTimeoutSeconds * 1000,
      migrationTimeoutMs: a.migrationTimeoutSeconds * 1000,
      maxConcurrentMigrations: a.maxConcurrentMigrations,
      migrationBandwidthBytesPerSecond: a.migrationBandwidthBytesPerSecond,
      ...(a.maxDowntimeMs !== undefined ? { maxDowntimeMs: a.maxDowntimeMs } : {}),
      dryRun: () => this.dryRunFlag,
      paused: () => this.pausedFlag || !this.acting(),
      onEvent: o.onEvent,
      ...(o.newEventId ? { newEventId: o.newEventId } : {}),
      refuse: (a) => this.roundConstraints?.violation(a),
    });
  }

  get paused(): boolean {
    return this.pausedFlag;
  }
  /** True unless a leader election says another autoscaler acts. */
  acting(): boolean {
    return this.o.gate?.acting() ?? true;
  }
  /** Writes belong to the leader: a standby refuses them (the API answers 503). */
  private mustAct(): void {
    if (!this.acting()) throw new NotLeaderError(this.o.gate?.standbyReason() ?? 'standby');
  }
  /** Synchronous with a file store; with etcd it resolves once the leader's write is accepted. */
  setPaused(p: boolean): void | Promise<void> {
    this.mustAct();
    // Kept first: if it cannot be written, the operator gets an error, not a pause that a
    // restart (or a takeover by another autoscaler) would silently undo.
    const kept = this.o.pauseStore?.save(p, new Date(this.clock()));
    if (kept) return kept.then(() => this.takePause(p));
    this.takePause(p);
  }
  private takePause(p: boolean): void {
    this.pausedFlag = p;
    this.o.metrics.paused.set(p ? 1 : 0);
    this.o.log.info(
      { paused: p },
      p ? 'paused by operator: no actions until resumed' : 'resumed by operator',
    );
  }
  /**
   * Takes the kept operator state again — the pause and the API maintenance hosts — as a new
   * leader does before acting (with etcd the previous leader kept them there), and as a
   * standby does for its read-only API.
   */
  adoptKeptState(): void {
    const kept = this.o.pauseStore?.load();
    const paused = this.o.config.paused || this.o.config.planner.paused || kept?.paused === true;
    if (paused !== this.pausedFlag)
      this.o.log.warn(
        { paused, ...(kept ? { since: kept.at } : {}), stateFile: this.o.pauseStore?.file },
        paused
          ? 'kept state: paused by operator (POST /api/v1/resume to resume)'
          : 'kept state: resumed by operator',
      );
    this.pausedFlag = paused;
    this.o.metrics.paused.set(paused ? 1 : 0);
    this.maintenance.reload();
  }
  get dryRun(): boolean {
    return this.dryRunFlag;
  }
  /** Config reload (SIGHUP): the next action is applied or only journalled accordingly. */
  setDryRun(d: boolean): void {
    this.dryRunFlag = d;
    this.o.metrics.dryRun.set(d ? 1 : 0);
  }

  /**
   * Config reload (SIGHUP, service/reload.ts): the next round plans with `next` — planner,
   * round deadline, T2/T1 (from the next tick), maintenance hosts of the config, the
   * plausibility margins, the alert webhook's settings, the applier's migration limits, dry
   * run — and reads Prometheus through `source` when given (built from `next`). The caller
   * passes a config whose restart-only settings are the running ones (effectiveConfig).
   */
  reconfigure(next: LoadedConfig, source?: MetricsSource): void {
    const before = this.o.config;
    this.o.config = next;
    if (source) this.o.source = source;
    // The same gate as at start (the constructor), for the new margins or the new source's window.
    if (source || JSON.stringify(before.plausibility) !== JSON.stringify(next.plausibility))
      this.gate = new PlausibilityGate(next.plausibility, this.o.source.cpuRateWindow);
    this.maintenance.setConfigHosts(configMaintenanceHosts(next));
    this.o.alerts?.reconfigure({
      hotspotAlerts: next.alerts.hotspotAlerts,
      ttlMs: next.alerts.ttlSeconds * 1000,
    });
    const a = next.applier;
    this.applier.setMigrationLimits({
      migrationTimeoutMs: a.migrationTimeoutSeconds * 1000,
      maxConcurrentMigrations: a.maxConcurrentMigrations,
      migrationBandwidthBytesPerSecond: a.migrationBandwidthBytesPerSecond,
      ...(a.maxDowntimeMs !== undefined ? { maxDowntimeMs: a.maxDowntimeMs } : {}),
    });
    const dryRun = next.dryRun || next.planner.dryRun;
    if (dryRun !== this.dryRunFlag) this.setDryRun(dryRun);
    // A new T2 counts from now, not from the end of the old period.
    if (next.planner.t2Seconds !== before.planner.t2Seconds) this.wake?.();
  }

  /**
   * Puts a host in maintenance or takes it out (the operator, through the API): kept on disk,
   * journalled as an `operator` event, seen by the next round. A host no hypervisor knows is
   * refused while the hypervisors answer; unchanged requests journal nothing.
   */
  async setMaintenance(
    host: string,
    on: boolean,
    reason?: string,
  ): Promise<{ changed: boolean; maintenance: MaintenanceListing[] }> {
    this.mustAct();
    const known = await this.hypervisorHosts();
    if (known.length > 0 && !known.includes(host))
      throw new UnknownHostError(`unknown host "${host}" (the hypervisors know: ${known.join(', ')})`);
    const change = await this.maintenance.change(host, on, new Date(this.clock()), reason);
    if (change.event) {
      try {
        this.o.journal.append(change.event);
      } catch (e) {
        await change.undo();
        throw e;
      }
      change.commit();
      this.o.metrics.tuningEvents.inc({ kind: change.event.kind, result: change.event.result });
      this.o.onEvent?.(change.event);
      this.o.log.info(
        { host, maintenance: on, ...(reason ? { reason } : {}) },
        on ? 'host put in maintenance by operator: draining it' : 'host taken out of maintenance by operator',
      );
    }
    return { changed: change.changed, maintenance: this.maintenance.list().filter((m) => m.host === host) };
  }

  /**
   * One Alertmanager notification: the inbox's changes become `alert` events in the journal
   * (a retry or repeat changes nothing), and hotspot alerts reach the next global round.
   * The alerts are read in slices with the event loop served between them (alerts/inbox.ts)
   * and journalled with one write and one fsync at the end.
   *
   * Serialised: a notification is read against the inbox as the previous one left it. The
   * inbox changes only at commit (after the journal write), so two notifications read at
   * the same time would both find an alert new and journal it twice (issue 17).
   */
  receiveAlerts(payload: WebhookPayload): Promise<ReceiveResult> {
    return this.alertTurn(async () => {
      if (!this.o.alerts) throw new Error('no alert inbox configured');
      this.mustAct();
      const now = this.clock();
      const r = await this.o.alerts.receiveInSlices(payload, now);
      this.mustAct(); // leadership may have been lost while the slices were read
      return this.keepAlerts(payload, r, now);
    });
  }

  private keepAlerts(payload: WebhookPayload, r: ReceiveResult, now: number): ReceiveResult {
    if (!this.o.alerts) throw new Error('no alert inbox configured');
    // Journal first: if that fails (disk full), the inbox stays as it was and Alertmanager's
    // retry is processed again (event ids are deterministic, so a re-append is harmless).
    // One write and one fsync for the whole notification (10,000 alerts included).
    if (this.o.journal.appendAll) this.o.journal.appendAll(r.events);
    else for (const ev of r.events) this.o.journal.append(ev);
    r.commit();
    // Counted per label set, then one inc each: not 10,000 calls for 10,000 alerts.
    for (const ev of r.events) this.o.onEvent?.(ev);
    for (const { labels, n } of tally(r.events.map((ev) => ({ kind: ev.kind, result: ev.result }))))
      this.o.metrics.tuningEvents.inc(labels, n);
    const perAlert = payload.alerts.map((a, i) => ({ status: a.status, outcome: r.outcomes[i] }));
    for (const { labels, n } of tally(perAlert)) this.o.metrics.alertsReceived.inc(labels, n);
    this.o.metrics.alertedHosts.set(this.o.alerts.hotHosts(now).size);
    if (r.accepted > 0)
      this.o.log.info(
        { accepted: r.accepted, unchanged: r.unchanged, ignored: r.ignored, groupKey: payload.groupKey },
        'Alertmanager notification',
      );
    return r;
  }

  /** Hosts the hypervisors know (cached; refreshed each round when reachable). */
  private async hypervisorHosts(): Promise<string[]> {
    try {
      const hosts = await this.o.port.listHosts({
        timeoutMs: this.o.config.applier.callTimeoutSeconds * 1000,
      });
      // Plus the hosts of URIs that cannot be reached now (held in planRound).
      const down = unreachableHeld(this.o.port).map((h) => h.host);
      this.knownHosts = [...new Set([...hosts.map((h) => h.name), ...down])];
    } catch (e) {
      this.o.log.warn({ err: text(e) }, 'cannot list hypervisor hosts; using the last known list');
    }
    return this.knownHosts;
  }

  /**
   * The planner config and history of this round: with learned profiles for the VMs the
   * config has none for, when learning is on (one sample per VM each local round, marked
   * when a probe holds its cap), and the probed load bands the profile store keeps.
   */
  private plannerInput(
    snapshot: ClusterSnapshot,
    loop: Loop | 'both',
    events: readonly TuningEvent[] = this.o.journal.events(),
  ): Pick<PlannerInput, 'config' | 'history'> {
    const cfg = withLearnedSwitchover(this.o.config.planner, events);
    const history = historyFromJournal(events);
    const store = this.o.profiles;
    if (!store || !cfg.serviceLevel.learnProfiles) return { config: cfg, history };
    const probes = history.probes ?? [];
    if (loop !== 'global') store.observe(snapshot, new Set(activeProbes(probes).keys()));
    store.keepProbed(probedBands(probes, store.probedBands()));
    history.probed = [...store.probedBands()];
    const learned = store.profiles(cfg);
    if (learned.length === 0) return { config: cfg, history };
    return {
      config: {
        ...cfg,
        serviceLevel: { ...cfg.serviceLevel, profiles: [...cfg.serviceLevel.profiles, ...learned] },
      },
      history,
    };
  }

  /** Observes and plans one round; nothing is applied. */
  async planRound(
    loop: Loop | 'both',
    now = this.clock(),
  ): Promise<{ plan: Plan; observation: Observation | null }> {
    const hosts = await this.hypervisorHosts();
    let observation: Observation;
    try {
      observation = await this.o.source.observe(now);
    } catch (e) {
      // A source's own errors say what failed; anything else is a bug: logged, never shown
      // as a hold reason (a raw "x.map is not a function" tells an operator nothing).
      if (!(e instanceof MetricsSourceError)) this.o.log.error({ err: text(e) }, 'metrics source failed');
      const reason =
        e instanceof MetricsSourceError
          ? `metrics source: ${e.message}`
          : 'metrics source: unexpected failure reading the metrics (see the log)';
      const knownHosts = hosts.length ? hosts : [...new Set(this.knownHosts)];
      return {
        plan: {
          at: now,
          held: knownHosts.map((host) => ({
            host,
            code: e instanceof TooManySeriesError ? ('too_many_series' as const) : ('source_down' as const),
            reason,
          })),
          actions: [],
        },
        observation: null,
      };
    }
    observation = this.gate.check(observation);
    for (const w of observation.warnings ?? []) this.o.log.warn(w);
    // Unreachable hypervisors first: the plan names a host by its first hold, and that
    // cause says more than the exporter's "host down" it usually also brings.
    const held = [...unreachableHeld(this.o.port), ...observation.held];
    const seen = new Set(observation.snapshot.hosts.map((h) => h.name));
    for (const h of hosts)
      if (!seen.has(h))
        held.push({ host: h, code: 'no_data', reason: 'no data in Prometheus for this host' });
    // The hypervisors' own view: real hosts, allocations, free memory (enrich.ts).
    await enrichSnapshot(
      { port: this.o.port, log: this.o.log, timeoutMs: this.o.config.applier.callTimeoutSeconds * 1000 },
      observation.snapshot,
      held,
    );
    // The pause holds every host here (so a plan says why it is empty); the applier
    // refuses to start anything while paused, which covers a pause during a round.
    if (this.pausedFlag) {
      for (const h of observation.snapshot.hosts)
        held.push({ host: h.name, code: 'paused', reason: 'paused by operator' });
    }
    // Hosts in maintenance through the API: the planner sees them as config maintenance.
    this.maintenance.mark(observation.snapshot);
    // Nothing is done that cannot be journalled first (journal.ts: disk full, I/O error).
    const journalProblem = this.journalProblem();
    if (journalProblem) {
      for (const h of observation.snapshot.hosts)
        held.push({ host: h.name, code: 'journal_unwritable', reason: journalProblem });
    }
    const heldSet = new Set(held.map((h) => h.host));
    for (const h of observation.snapshot.hosts) if (heldSet.has(h.name)) h.up = false;
    // Failed hosts (issue 13): one detection check per local round; definitions kept of
    // the VMs on hosts that answer (all of them re-read in global rounds).
    const allHosts = [...new Set([...hosts, ...observation.snapshot.hosts.map((h) => h.name)])];
    const answered =
      loop === 'global'
        ? new Set(
            allHosts.filter((h) => !held.some((x) => x.host === h && x.code === 'hypervisor_unreachable')),
          )
        : await this.failover.check(allHosts, held);
    await this.failover.keep(answered, observation.snapshot, loop !== 'local');
    const alerted = this.o.alerts?.hotHosts(now);
    if (alerted) {
      for (const h of observation.snapshot.hosts) if (alerted.has(h.name)) h.alerted = true;
      this.o.metrics.alertedHosts.set(alerted.size);
    }
    // One copy of the journal, read just before planning, for the planner's history and
    // config and for the I/O limits vmpilot set (no port getter: read back from its journal,
    // so local tuning can lift them once the contention is over; io-limits.ts).
    const events = this.o.journal.events();
    fillIoLimitsFromJournal(observation.snapshot, events);
    const input: PlannerInput = {
      snapshot: observation.snapshot,
      ...this.plannerInput(observation.snapshot, loop, events),
      now,
    };
    // The operator's constraints of this round (decision/constraints.ts): restarts honour
    // them, and the applier refuses any action that breaks them, whichever strategy planned it.
    this.roundConstraints = operatorConstraints(input.snapshot, input.config, now);
    const plans: Plan[] = [];
    if (loop !== 'local' && this.failover.failedHosts().size > 0) {
      const usable = new Set(observation.snapshot.hosts.map((h) => h.name).filter((h) => !heldSet.has(h)));
      const restarts = await this.failover.plan(observation.snapshot, usable, this.roundConstraints);
      if (restarts.length) plans.push({ at: now, held: [], actions: restarts });
    }
    if (loop !== 'local' && this.strategy.global) plans.push(this.strategy.global(input));
    if (loop !== 'global' && this.strategy.local) plans.push(this.strategy.local(input));
    const heldVms = dedupeHeldVms([...(observation.heldVms ?? []), ...plans.flatMap((p) => p.heldVms ?? [])]);
    const migrationHold = plans.find((p) => p.migrationHold)?.migrationHold;
    const plan: Plan = {
      at: now,
      held: dedupeHeld([...held, ...plans.flatMap((p) => p.held)]),
      ...(heldVms.length ? { heldVms } : {}),
      actions: plans.flatMap((p) => p.actions),
      ...(migrationHold ? { migrationHold } : {}),
    };
    // Moves the planner considered and declined (issue 12: cost over relief), for plan readers.
    const declined = plans.flatMap((p) => p.declined ?? []);
    if (declined.length) plan.declined = declined;
    const finalHeld = new Set(plan.held.map((h) => h.host));
    const heldVmNames = new Set(heldVms.map((v) => v.vm));
    // Never act on a held host or a held VM, whatever the planner returned (a restart's
    // source is its failed host, held by definition: only its destination counts).
    plan.actions = plan.actions.filter(
      (a) =>
        !heldVmNames.has(a.vm) &&
        (a.kind === 'restart' || !finalHeld.has(a.from)) &&
        (a.to === undefined || !finalHeld.has(a.to)),
    );
    return { plan, observation };
  }

  /**
   * The best host for a new VM (`vmpilot place`, GET /api/v1/place): observed as a round
   * is (held hosts, API maintenance, the hypervisors' free memory), placed by the global
   * planner's destination rule (decision/place.ts). A pause does not keep a host from
   * taking a new VM: only actions wait for the resume.
   */
  async place(req: PlacementRequest, now = this.clock()): Promise<Placement> {
    const { plan, observation } = await this.planRound('global', now);
    if (!observation) throw new MetricsSourceError(plan.held[0]?.reason ?? 'no observation of the cluster');
    const heldBy = new Map(plan.held.map((h) => [h.host, h]));
    for (const h of observation.snapshot.hosts) if (heldBy.get(h.name)?.code === 'paused') h.up = true;
    const snapshot = observation.snapshot;
    const placement = planPlacement({ snapshot, ...this.plannerInput(snapshot, 'global'), now }, req);
    // The round's own hold reasons say more than "host down" (source, hypervisor, journal).
    for (const n of placement.notConsidered) {
      const held = heldBy.get(n.host);
      if (held && held.code !== 'paused') n.reason = held.reason;
    }
    return placement;
  }

  /** Runs one round: observe, plan, apply; never two at once. */
  runRound(loop: Loop): Promise<RoundReport> {
    if (this.current) return this.current.then(() => this.runRound(loop));
    const p = this.doRound(loop).finally(() => {
      this.current = null;
    });
    this.current = p;
    return p;
  }

  private async doRound(loop: Loop): Promise<RoundReport> {
    const m = this.o.metrics;
    const at = this.clock();
    const endTimer = m.roundDuration.startTimer({ loop });
    let report: RoundReport;
    try {
      const { plan, observation } = await withDeadline(
        `${loop} round`,
        this.o.config.loops.roundDeadlineSeconds * 1000,
        this.planRound(loop, at),
      );
      if (observation) {
        m.snapshotAge.set(observation.ageSeconds);
        m.vmPoints.reset();
        // The planner's own points (forecast demand on the host's scale, SPEC §4), so the
        // panel shows exactly what the decisions used; "total" is the weighted P[v].
        for (const v of buildRoundView(observation.snapshot, this.o.config.planner).vms.values()) {
          const labels = { host: v.vm.host, domain: v.vm.name };
          for (const [resource, value] of Object.entries(v.points))
            m.vmPoints.set({ ...labels, resource }, value);
          m.vmPoints.set({ ...labels, resource: 'total' }, v.total);
        }
        m.levels.publish(observation.snapshot, this.o.config.planner);
      }
      this.publishHeld(plan.held);
      // Log held hosts when the set changes, not every round (the metrics carry the state).
      const heldKey = plan.held.map((h) => `${h.host}=${h.reason}`).join(';');
      if (heldKey !== this.lastHeldKey) {
        for (const h of plan.held) this.o.log.warn({ loop, host: h.host, reason: h.reason }, 'host held');
        if (plan.held.length === 0 && this.lastHeldKey !== '')
          this.o.log.info({ loop }, 'no host held any more');
        this.lastHeldKey = heldKey;
      }
      const events =
        plan.actions.length === 0 ? [] : await this.applier.apply(plan, loop, { background: true });
      // Every host the round knows (metrics and hypervisors) held: nothing could be done, so
      // the round is not "ok" (readiness, last-success metric).
      const heldNow = new Set(plan.held.map((h) => h.host));
      const allHosts = new Set([
        ...(observation?.snapshot.hosts ?? []).map((h) => h.name),
        ...this.knownHosts,
      ]);
      const allHeld =
        observation === null || (allHosts.size > 0 && [...allHosts].every((h) => heldNow.has(h)));
      const outcome = this.pausedFlag ? 'paused' : allHeld ? 'held' : 'ok';
      report = { loop, at, outcome, plan, events, durationSeconds: (this.clock() - at) / 1000 };
      if (outcome === 'ok') {
        this.lastSuccessAt = this.clock();
        m.lastSuccess.set({ loop }, this.lastSuccessAt / 1000);
      }
    } catch (e) {
      const timeout = e instanceof Error && /no answer within/.test(e.message);
      this.o.log.error({ loop, err: text(e) }, 'round failed');
      report = {
        loop,
        at,
        outcome: timeout ? 'timeout' : 'error',
        plan: { at, held: [], actions: [] },
        events: [],
        durationSeconds: (this.clock() - at) / 1000,
        error: text(e),
      };
    }
    endTimer();
    m.rounds.inc({ loop, outcome: report.outcome });
    this.lastRound = report;
    this.o.onRound?.(report);
    return report;
  }

  /** Why the journal cannot take events now, or undefined when it can. */
  private journalProblem(): string | undefined {
    const h = this.o.journal.health?.();
    const problem = h && !h.writable ? `journal unwritable: ${h.error ?? 'write failed'}` : undefined;
    if (problem !== this.lastJournalProblem) {
      if (problem)
        this.o.log.error({ problem }, 'journal cannot be written: holding every host until it can');
      else this.o.log.info('journal writable again: pending events written, rounds resume');
      this.o.metrics.journalWritable.set(problem ? 0 : 1);
      this.lastJournalProblem = problem;
    }
    return problem;
  }

  /**
   * Ready (`/readyz` 200) when the journal can be written, the last round did something
   * useful (not every host held, no error) and a successful round is recent enough.
   */
  readiness(nowMs = this.clock()): { ready: boolean; reason: string } {
    if (!this.acting()) return { ready: false, reason: this.o.gate?.standbyReason() ?? 'standby' };
    const journal = this.journalProblem();
    if (journal) return { ready: false, reason: journal };
    const last = this.lastRound;
    if (last && (last.outcome === 'held' || last.outcome === 'error' || last.outcome === 'timeout')) {
      const why = last.outcome === 'held' ? heldSummary(last.plan.held) : (last.error ?? last.outcome);
      return { ready: false, reason: `last ${last.loop} round ${last.outcome}: ${why}` };
    }
    if (this.lastSuccessAt === null) return { ready: false, reason: 'no successful round yet' };
    const age = (nowMs - this.lastSuccessAt) / 1000;
    const limit = 3 * this.o.config.planner.t2Seconds + this.o.config.loops.roundDeadlineSeconds;
    return age <= limit
      ? { ready: true, reason: `last successful round ${age.toFixed(1)} s ago` }
      : { ready: false, reason: `last successful round ${age.toFixed(1)} s ago (> 3 × T2)` };
  }

  private publishHeld(held: HeldHost[]): void {
    const m = this.o.metrics;
    m.heldHosts.reset();
    m.hostHeld.reset();
    for (const h of this.knownHosts) m.hostHeld.set({ host: h }, 0);
    for (const h of held) {
      m.hostHeld.set({ host: h.host }, 1);
      m.heldHosts.inc({ reason: h.code });
    }
  }

  /** Starts the loops: a T2 tick runs a local round; every k-th tick first a global round. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopDone = (async () => {
      while (!this.stopped) {
        // Read each tick: a config reload may change T2 and T1. The planner's schema
        // guarantees T1 is an integral multiple of T2.
        const { t2Seconds, t1Seconds } = this.o.config.planner;
        const t2 = t2Seconds * 1000;
        const k = Math.max(1, Math.round(t1Seconds / t2Seconds));
        const t0 = this.clock();
        // A standby runs no rounds: it would only load Prometheus and the hypervisors.
        const acting = this.acting();
        if (acting && this.tick % k === 0 && this.strategy.global) await this.runRound('global');
        if (acting && !this.stopped && this.strategy.local) await this.runRound('local');
        if (acting) this.tick++;
        const wait = Math.max(0, t0 + t2 - this.clock());
        if (wait === 0) this.o.log.warn({ overrunMs: this.clock() - t0 - t2 }, 'round overran its period');
        await new Promise<void>((res) => {
          const timer = setTimeout(res, wait);
          this.wake = () => {
            clearTimeout(timer);
            res();
          };
        });
        this.wake = null;
      }
    })();
  }

  /**
   * Stops the loops. The round in flight may finish within `graceMs`; past it, running
   * migrations are aborted and closed as failed with the VM's real location.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.applier.stopAccepting();
    this.wake?.();
    const deadline = Date.now() + graceMs;
    const loopEnded = await Promise.race([
      this.loopDone.then(() => true),
      new Promise<boolean>((res) => setTimeout(() => res(false), graceMs).unref()),
    ]);
    // Migrations run in the background: give them what is left of the grace period.
    const finished = loopEnded && (await this.applier.drain(Math.max(0, deadline - Date.now())));
    if (!finished) {
      this.o.log.warn(
        { inFlight: this.applier.inFlight },
        'grace period over: abandoning the action in flight',
      );
      await this.applier.abandon();
      await Promise.race([this.loopDone, new Promise((res) => setTimeout(res, 5000).unref())]);
    }
  }
}

/** "3 hosts held: a (implausible metrics: …); …", bounded for a one-line answer. */
function heldSummary(held: HeldHost[]): string {
  const shown = held.slice(0, 3).map((h) => `${h.host} (${h.reason})`);
  return `${held.length} host(s) held: ${shown.join('; ')}${held.length > 3 ? '; …' : ''}`;
}

function dedupeHeld(held: HeldHost[]): HeldHost[] {
  const m = new Map<string, HeldHost>();
  for (const h of held) if (!m.has(h.host)) m.set(h.host, h);
  return [...m.values()];
}

/** One entry per VM (the first reason: the source's no-samples hold before the operator's exclusion). */
function dedupeHeldVms(vms: HeldVm[]): HeldVm[] {
  const seen = new Set<string>();
  return vms.filter((v) => !seen.has(v.vm) && seen.add(v.vm));
}

/** How many of `items` share each label set: one counter inc per set instead of one per item. */
function tally<L extends Record<string, string>>(items: readonly L[]): { labels: L; n: number }[] {
  const out = new Map<string, { labels: L; n: number }>();
  for (const labels of items) {
    const key = JSON.stringify(labels);
    const c = out.get(key) ?? { labels, n: 0 };
    c.n++;
    out.set(key, c);
  }
  return [...out.values()];
}
