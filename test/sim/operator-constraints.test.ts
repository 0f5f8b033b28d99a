// Issue 14 item 5 end to end: the shipped evacuation scenario run through the production
// service and applier on the simulated cluster (what `vmpilot simulate` runs), with the
// operator's constraints carried the way production carries them — the domain's metadata
// (scenario `exclude` / `pinnedHosts`), an ignored host, config migration windows.
import { runSimulation, SIM_EPOCH_MS, defaultSimConfig } from '../../autoscaler/simulate/runner';
import { validateConfig } from '../../autoscaler/config/load';
import { parseScenario, loadScenario } from '../../core/sim/loader';
import type { TuningEvent } from '../../core/model/event';

jest.setTimeout(120_000);

const base = loadScenario('evacuation');

/** The evacuation scenario, 10 minutes, with changes to its hosts and VMs. */
function variant(change: (s: { hosts: Record<string, unknown>[]; vms: Record<string, unknown>[] }) => void) {
  const raw = structuredClone({ ...base, durationSeconds: 600 }) as unknown as {
    hosts: Record<string, unknown>[];
    vms: Record<string, unknown>[];
  };
  change(raw);
  return parseScenario(raw, 'evacuation variant');
}

const migrations = (events: TuningEvent[]) => events.filter((e) => e.action === 'migrate');

describe('operator constraints through the simulated service', () => {
  it('an excluded VM stays on its maintenance host; a pinned one goes only into its set; an ignored host is left alone', async () => {
    const plain = await runSimulation(
      variant(() => undefined),
      'gl',
    );
    const moved = new Set(migrations(plain.events).map((e) => e.vm));
    expect(moved).toContain('db-1'); // the reference evacuates it

    const s = variant((raw) => {
      for (const v of raw.vms) {
        if (v.name === 'db-1') v.exclude = true;
        if (v.name === 'web-e1') v.pinnedHosts = ['host-3'];
      }
      for (const h of raw.hosts) if (h.name === 'host-2') h.ignored = true;
    });
    const { result, events } = await runSimulation(s, 'gl');
    const m = migrations(events);
    expect(m.length).toBeGreaterThan(0);
    expect(m.map((e) => e.vm)).not.toContain('db-1');
    for (const e of m.filter((x) => x.vm === 'web-e1')) expect(e.after).toMatchObject({ host: 'host-3' });
    expect(m.some((e) => e.vm === 'web-e1')).toBe(true);
    for (const e of m) {
      expect(e.host).not.toBe('host-2');
      expect(JSON.stringify(e.after)).not.toContain('host-2');
    }
    // No action of any kind on the excluded VM or the ignored host.
    expect(events.filter((e) => e.vm === 'db-1' || e.host === 'host-2')).toEqual([]);
    expect(result.vms_on_maintenance_hosts).toBeGreaterThanOrEqual(1);
  });

  it('outside the migration windows nothing migrates while local tuning goes on (config windows)', async () => {
    const s = variant(() => undefined);
    const open = await runSimulation(s, 'gl');
    expect(migrations(open.events).length).toBeGreaterThan(0);
    // The run starts at 00:00 UTC; the window opens at 06:00.
    expect(new Date(SIM_EPOCH_MS).getUTCHours()).toBe(0);
    const cfg = defaultSimConfig(s);
    const config = validateConfig(
      { hypervisors: cfg.hypervisors, planner: { migrationWindows: { cron: ['* 6-22 * * *'] } } },
      'test',
    );
    const { events, result } = await runSimulation(s, 'gl', { config });
    expect(migrations(events)).toEqual([]);
    expect(result.migrations).toBe(0);
    expect(events.filter((e) => e.kind === 'local').length).toBeGreaterThan(0);
  });
});
