// Learned performance profiles' samples (issue 13 item 5), kept beside the journal
// (`<journal>.profiles.json`) so a restarted autoscaler does not start learning again. Each
// local round adds one sample per running VM with an SLI and a load (web: requests/s):
// the CPU cores it used and its SLI value; the planner reads the profiles folded from them
// (decision/profile-learning.ts) for VMs without a configured profile. Also kept: the load
// bands whose probe ended (decision/probe.ts), so a restart or a rotated journal does not
// probe them again before their time.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { matchesVm, type PlannerConfig } from '../decision/config';
import { learnedBands, learnedRows, type ProfileSample } from '../decision/profile-learning';
import type { ProbedBand } from '../decision/probe';
import type { ProfileRow } from '../decision/service-level';

/** The samples file of a journal. */
export function profilesFileFor(journal: string): string {
  return `${journal}.profiles.json`;
}

/** Newest samples kept per VM (older ones age out: a VM's behaviour may change). */
const MAX_SAMPLES_PER_VM = 2000;
/** Rounds between writes of the file. */
const SAVE_EVERY = 10;

export class ProfileStore {
  private readonly samples = new Map<string, ProfileSample[]>();
  private probed: ProbedBand[] = [];
  private rounds = 0;

  /** `file` undefined: in memory only (simulations). A file that cannot be read starts empty. */
  constructor(private readonly file?: string) {
    if (!file) return;
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as {
        vms?: Record<string, ProfileSample[]>;
        probed?: ProbedBand[];
      };
      for (const [vm, list] of Object.entries(raw.vms ?? {}))
        if (Array.isArray(list)) this.samples.set(vm, list.slice(-MAX_SAMPLES_PER_VM));
      if (Array.isArray(raw.probed))
        this.probed = raw.probed.filter(
          (b) => typeof b?.vm === 'string' && Number.isFinite(b.loadBand) && Number.isFinite(b.at),
        );
    } catch {
      // No file yet, or a torn one: learning starts over (the samples are a cache, not a record).
    }
  }

  /**
   * Adds this round's sample of every running VM with an SLI and a load; `probing`: the VMs
   * whose cap a probe holds now (their samples are marked as taken under a probe).
   */
  observe(snapshot: ClusterSnapshot, probing: ReadonlySet<string> = new Set()): void {
    for (const vm of snapshot.vms) {
      const used = vm.usageHistory[vm.usageHistory.length - 1]?.cpu;
      if (vm.state !== 'running' || !vm.sli || !vm.web || used === undefined) continue;
      let list = this.samples.get(vm.name);
      if (!list) this.samples.set(vm.name, (list = []));
      list.push({
        load: vm.web.requestsPerSecond,
        cpuCores: used,
        value: vm.sli.value,
        ...(probing.has(vm.name) ? { probe: true as const } : {}),
      });
      if (list.length > MAX_SAMPLES_PER_VM) list.shift();
    }
    if (++this.rounds % SAVE_EVERY === 0) this.save();
  }

  samplesOf(vm: string): readonly ProfileSample[] {
    return this.samples.get(vm) ?? [];
  }

  /** Learned profiles of the VMs the config has no profile for (marked `learned`). */
  profiles(cfg: PlannerConfig): { vm: string; rows: ProfileRow[]; learned: true }[] {
    const out: { vm: string; rows: ProfileRow[]; learned: true }[] = [];
    for (const [vm, list] of this.samples) {
      if (cfg.serviceLevel.profiles.some((p) => matchesVm(p.vm, vm))) continue;
      const rows = learnedRows(list);
      if (rows) out.push({ vm, rows, learned: true });
    }
    return out;
  }

  /** Load bands with a learned row, per VM. */
  learnedBands(): Map<string, Set<number>> {
    return new Map([...this.samples].map(([vm, list]) => [vm, learnedBands(list)]));
  }

  /** Bands whose probe ended, as last kept. */
  probedBands(): readonly ProbedBand[] {
    return this.probed;
  }

  /** Keeps the bands whose probe ended (decision/probe.ts probedBands folds journal and store). */
  keepProbed(bands: readonly ProbedBand[]): void {
    const changed = bands.length !== this.probed.length || bands.some((b, i) => this.probed[i]?.at !== b.at);
    this.probed = [...bands];
    if (changed) this.save();
  }

  /** Writes the samples (atomically: a temp file renamed over the old one). */
  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({ version: 1, vms: Object.fromEntries(this.samples), probed: this.probed }),
    );
    renameSync(tmp, this.file);
  }
}
