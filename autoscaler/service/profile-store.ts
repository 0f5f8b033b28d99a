// Learned performance profiles' samples (issue 13 item 5), kept beside the journal
// (`<journal>.profiles.json`) so a restarted autoscaler does not start learning again. Each
// local round adds one sample per running VM with an SLI and a load (web: requests/s):
// the CPU cores it used and its SLI value; the planner reads the profiles folded from them
// (decision/profile-learning.ts) for VMs without a configured profile.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClusterSnapshot } from '../../core/model/snapshot';
import { matchesVm, type PlannerConfig } from '../decision/config';
import { learnedRows, type ProfileSample } from '../decision/profile-learning';
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
  private rounds = 0;

  /** `file` undefined: in memory only (simulations). A file that cannot be read starts empty. */
  constructor(private readonly file?: string) {
    if (!file) return;
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as { vms?: Record<string, ProfileSample[]> };
      for (const [vm, list] of Object.entries(raw.vms ?? {}))
        if (Array.isArray(list)) this.samples.set(vm, list.slice(-MAX_SAMPLES_PER_VM));
    } catch {
      // No file yet, or a torn one: learning starts over (the samples are a cache, not a record).
    }
  }

  /** Adds this round's sample of every running VM with an SLI and a load. */
  observe(snapshot: ClusterSnapshot): void {
    for (const vm of snapshot.vms) {
      const used = vm.usageHistory[vm.usageHistory.length - 1]?.cpu;
      if (vm.state !== 'running' || !vm.sli || !vm.web || used === undefined) continue;
      let list = this.samples.get(vm.name);
      if (!list) this.samples.set(vm.name, (list = []));
      list.push({ load: vm.web.requestsPerSecond, cpuCores: used, value: vm.sli.value });
      if (list.length > MAX_SAMPLES_PER_VM) list.shift();
    }
    if (++this.rounds % SAVE_EVERY === 0) this.save();
  }

  samplesOf(vm: string): readonly ProfileSample[] {
    return this.samples.get(vm) ?? [];
  }

  /** Learned profiles of the VMs the config has no profile for. */
  profiles(cfg: PlannerConfig): { vm: string; rows: ProfileRow[] }[] {
    const out: { vm: string; rows: ProfileRow[] }[] = [];
    for (const [vm, list] of this.samples) {
      if (cfg.serviceLevel.profiles.some((p) => matchesVm(p.vm, vm))) continue;
      const rows = learnedRows(list);
      if (rows) out.push({ vm, rows });
    }
    return out;
  }

  /** Writes the samples (atomically: a temp file renamed over the old one). */
  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, vms: Object.fromEntries(this.samples) }));
    renameSync(tmp, this.file);
  }
}
