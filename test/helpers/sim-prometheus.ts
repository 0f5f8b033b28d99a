// A simulated cluster's exporter scraped every second by Debian's Prometheus on 127.0.0.1:
// what tests of the Prometheus source on real PromQL start (the sim on the real clock).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectHypervisors } from '../../core/hypervisor/connect';
import { startPrometheus, type RunningPrometheus } from '../../core/procs/prometheus';
import { startExporter } from '../../exporter/server';
import { requireTool } from './require-tool';

export interface SimPrometheus {
  /** A temp dir for the test's files (Prometheus' data is in it); removed by stop(). */
  dir: string;
  prom: RunningPrometheus;
  stop(): Promise<void>;
}

export async function startSimPrometheus(uri: string, prefix: string): Promise<SimPrometheus> {
  requireTool('prometheus', 'prometheus');
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const port = await connectHypervisors([uri]);
  const exporter = await startExporter({ hypervisor: port, listen: { host: '127.0.0.1', port: 0 } }).catch(
    async (e: unknown) => {
      await port.close();
      throw e;
    },
  );
  let prom: RunningPrometheus;
  try {
    prom = await startPrometheus({
      scrapeTargets: [`127.0.0.1:${exporter.port}`],
      scrapeIntervalSeconds: 1,
      dataDir: dir,
    });
  } catch (e) {
    await exporter.close();
    await port.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    prom,
    async stop() {
      await prom.stop();
      await exporter.close();
      await port.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
