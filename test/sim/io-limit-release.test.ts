// A disk limit set by local tuning while a host's disk was contended is lifted once the
// contention is over — also after the VM moved to another host. The port has no getter for
// I/O limits, so the service reads back what its applier set from the journal
// (autoscaler/service/io-limits.ts); before that, no source filled the VM's current limit,
// local tuning's release rule never fired and files-1 kept a 75 MiB/s limit for the whole
// run on mixed-workload. Production service and applier on the simulated cluster.
import { runSimulation } from '../../autoscaler/simulate/runner';
import { loadScenario } from '../../core/sim/loader';
import type { TuningEvent } from '../../core/model/event';

jest.setTimeout(120_000);

const limitOf = (e: TuningEvent) => (e.params?.totalBytesSec as number | undefined) ?? NaN;

it('lifts a disk limit set under contention once the contention is over, after a move too', async () => {
  const { events } = await runSimulation(loadScenario('mixed-workload'), 'gl');
  const iotune = events.filter((e) => e.action === 'set_block_iotune' && e.result === 'completed');
  const limited = iotune.find((e) => limitOf(e) > 0);
  expect(limited).toBeDefined();
  const vm = limited!.vm;
  const later = events.filter((e) => e.vm === vm && e.time > limited!.time);
  const released = later.find((e) => e.action === 'set_block_iotune' && limitOf(e) === 0);
  expect(released).toMatchObject({ result: 'completed' });
  expect(typeof released!.reason === 'object' && released!.reason.rule).toBe('local.disk.release');
  // The VM's last limit in the run is "unlimited".
  const last = iotune.filter((e) => e.vm === vm).at(-1)!;
  expect(limitOf(last)).toBe(0);
});
