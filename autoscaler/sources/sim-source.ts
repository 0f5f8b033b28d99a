// In-memory metrics source fed by the simulator: each observation advances the simulated
// cluster to `now` and takes its snapshot (the same recorder the simulation runner uses),
// so tests and benchmarks run the service without Prometheus.
import type { SimDriver } from '../../core/sim/driver';
import { MemorySource, type MemorySourceOptions } from './memory';

export function simulatorSource(driver: SimDriver, opts: MemorySourceOptions = {}): MemorySource {
  return new MemorySource((now) => {
    driver.advanceTo(now);
    return driver.snapshot();
  }, opts);
}
