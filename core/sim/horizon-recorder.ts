// The simulator's side of the VMs' horizon history (core/model/horizon-history.ts): every
// observation's CPU demand of a VM — use plus run-queue wait, as production's range query
// sums them — kept for one horizon and averaged into steps of horizonStepSeconds, the
// newest step ending at the latest observation (what Prometheus's rate over [step] at each
// step of a range query ending now gives).
import { horizonPoints, horizonStepSeconds } from '../model/horizon-history';

export class HorizonRecorder {
  readonly stepSeconds: number;
  private readonly perStep: number;
  private readonly points: number;
  private readonly samples = new Map<string, number[]>();

  constructor(observeSeconds: number, horizonSeconds: number) {
    this.stepSeconds = horizonStepSeconds(horizonSeconds, observeSeconds);
    this.perStep = Math.round(this.stepSeconds / observeSeconds);
    this.points = horizonPoints(horizonSeconds, this.stepSeconds);
  }

  /** One observation's CPU demand (cores) of a VM. */
  record(vm: string, cpuDemand: number): void {
    let list = this.samples.get(vm);
    if (!list) this.samples.set(vm, (list = []));
    list.push(cpuDemand);
    if (list.length > this.perStep * this.points) list.shift();
  }

  /** The VM's horizon history (whole steps only, oldest first), or undefined before its first step. */
  of(vm: string): number[] | undefined {
    const list = this.samples.get(vm) ?? [];
    const steps = Math.floor(list.length / this.perStep);
    if (steps === 0) return undefined;
    const out: number[] = [];
    for (let i = list.length - steps * this.perStep; i < list.length; i += this.perStep) {
      let sum = 0;
      for (let j = i; j < i + this.perStep; j++) sum += list[j];
      out.push(sum / this.perStep);
    }
    return out;
  }
}
