// The read-only service `vmpilot plan` and `vmpilot place` run once: the config's
// hypervisors and Prometheus, the journal read but never written (the file, or with leader
// election the journal in etcd), and the hosts put in maintenance through the API.
import pino from 'pino';
import { connectHypervisors } from '../../core/hypervisor/connect';
import { ConfigError, loadConfig } from '../config/load';
import { Journal } from '../journal/journal';
import { readEtcdJournal } from '../leader/ha';
import { fileMaintenanceStore, maintenanceStateFileFor } from '../service/maintenance-state';
import { ServiceMetrics } from '../service/metrics';
import { sourceFromConfig } from '../service/run';
import { AutoscalerService } from '../service/service';
import { CliError } from './errors';

export async function withPlanningService<T>(
  configFile: string,
  name: string,
  fn: (service: AutoscalerService) => Promise<T>,
): Promise<T> {
  let cfg;
  try {
    cfg = loadConfig(configFile);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, 1, { cause: e });
    throw e;
  }
  const log = pino({ name, level: 'error' }, pino.destination(2));
  const port = await connectHypervisors(cfg.hypervisors, {
    defaultTimeoutMs: cfg.applier.callTimeoutSeconds * 1000,
    speed: cfg.simulatorSpeed,
  });
  const read = cfg.leader
    ? await readEtcdJournal(cfg.leader, cfg.baseDir, log).catch(async (e: unknown) => {
        await port.close();
        throw new CliError(e instanceof Error ? e.message : String(e), 1, { cause: e });
      })
    : fileJournal(cfg.journal);
  try {
    return await fn(
      new AutoscalerService({
        config: cfg,
        port,
        source: sourceFromConfig(cfg),
        journal: read.journal,
        metrics: new ServiceMetrics({ processMetrics: false }),
        // Read only: neither command changes maintenance.
        maintenanceStore: fileMaintenanceStore(maintenanceStateFileFor(cfg.journal)),
        log,
      }),
    );
  } finally {
    read.close();
    await port.close();
  }
}

function fileJournal(file: string): { journal: Journal; close(): void } {
  const { journal } = Journal.open(file, { readOnly: true });
  return { journal, close: () => journal.close() };
}
