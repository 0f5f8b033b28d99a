// `vmpilot demo --lab`: the real two-host QEMU lab (lab/) as the demo's cluster. The lab's
// guests are all started on the first host with a CPU-burning workload, so that host is a
// hotspot the autoscaler must relieve by live-migrating a loaded guest to the other host.
// A lab that is already up is used as it is (guests it lacks are added) and left up; a lab
// the demo started is taken down again unless asked to keep it.
import { labDown, labStatus, labUp } from '../../lab/lab';
import { missingPrerequisite } from '../../lab/prereqs';
import type { LabState } from '../../lab/state';
import { LAB_HOSTS } from '../../lab/topology';
import type { Workload } from '../../lab/workload';

export interface LabDemoOptions {
  guests: number;
  workload: Workload;
  memoryMiB: number;
  /** Leave the lab up at the end even when the demo started it. */
  keep: boolean;
  stateDir?: string;
  log: (line: string) => void;
}

export interface LabDemoCluster {
  state: LabState;
  /** `name=uri` per lab host, as the autoscaler's config lists them. */
  hypervisors: string[];
  /** Whether this demo started the lab (and so takes it down). */
  started: boolean;
  /** The host every guest starts on: the hotspot. */
  loadedHost: string;
  stop(): Promise<void>;
}

/** Brings the lab up (or joins a running one) with the demo's guests on the first host. */
export async function startLabCluster(o: LabDemoOptions): Promise<LabDemoCluster> {
  const missing = missingPrerequisite();
  if (missing) throw new Error(missing);
  const dirs = o.stateDir ? { stateDir: o.stateDir } : {};
  const before = await labStatus(dirs);
  const loadedHost = LAB_HOSTS[0].name;
  const state = await labUp({
    ...dirs,
    guests: o.guests,
    workloads: [o.workload],
    memoryMiB: o.memoryMiB,
    placement: loadedHost,
    log: o.log,
  });
  const started = !before.up;
  if (!started) o.log(`lab: using the running lab in ${state.stateDir} (left up at the end)`);
  return {
    state,
    hypervisors: state.hosts.map((h) => `${h.name}=${h.uri}`),
    started,
    loadedHost,
    stop: async () => {
      if (started && !o.keep) await labDown(dirs);
    },
  };
}
