// Issue 12 item 2: the simulated cluster's snapshot — what vmpilot's planner and the
// baselines see in every simulation — has no field production's snapshot lacks. Production's
// fields are what the Prometheus builder emits on input carrying every metric it reads, plus
// what the service adds from the hypervisor (autoscaler/service/enrich.ts: free memory, current
// allocations, vCPU limits) and from Alertmanager (alerted).
import { openSim } from '../../core/sim/adapter';
import { buildSnapshot, type BuildInput } from '../../autoscaler/sources/build-snapshot';
import { horizonCpuQuery, withHorizonCpu } from '../../autoscaler/sources/horizon-query';
import { INSTANT, RANGE } from '../../autoscaler/sources/prometheus';
import { DEFAULT_QUERIES } from '../../autoscaler/config/queries';

/** Every key path of a value ("vms[].allocation.balloonBytes"); arrays by their elements. */
function paths(x: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(x)) {
    for (const e of x) paths(e, `${prefix}[]`, out);
  } else if (x !== null && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      paths(v, p, out);
    }
  }
  return out;
}

const NOW = 1_700_000_000_000;

/** A production snapshot built from every metric the builder reads, with a configured SLI. */
function productionPaths(): Set<string> {
  const labels = { host: 'a', domain: 'vm', uuid: 'u', state: 'running', device: 'vda', interface: 'vnet0' };
  const input: BuildInput = {
    now: NOW,
    intervalSeconds: 10,
    staleIntervals: 2,
    instant: Object.fromEntries(
      INSTANT.map((n) => [n, [{ labels, value: n === 'hostSampleTime' ? NOW / 1000 : 1, timeMs: NOW }]]),
    ),
    range: Object.fromEntries(
      RANGE.map((n) => [
        n,
        [
          {
            labels,
            points: [
              [NOW - 10_000, 1],
              [NOW, 1],
            ],
          },
        ],
      ]),
    ),
    capacity: { diskBytesPerSecond: 1, netBytesPerSecond: 1, hosts: { a: { maintenance: true } } },
    vms: { vm: { workload: 'web', sli: { value: 1, target: 1, higherIsBetter: false } } },
  };
  const snapshot = buildSnapshot(input).snapshot;
  // The VMs' horizon history: the round's one range query over the horizon (horizon-query.ts).
  const q = horizonCpuQuery(DEFAULT_QUERIES, {
    now: NOW,
    horizonSeconds: 600,
    scrapeIntervalSeconds: 10,
    rateWindowSeconds: 40,
  });
  withHorizonCpu(snapshot, [{ labels, points: [[q.endMs, 1]] }], q);
  const p = paths(snapshot);
  // The hypervisor read-back (autoscaler/service/enrich.ts) and the Alertmanager route.
  for (const extra of [
    'hosts[].memoryFreeBytes',
    'hosts[].alerted',
    'vms[].allocation.vcpus',
    'vms[].maxVcpus',
    'vms[].allocation.balloonBytes',
    'vms[].allocation.cpuShares',
    'vms[].allocation.cpuPeriodUs',
    'vms[].allocation.cpuQuotaUs',
  ])
    p.add(extra);
  return p;
}

describe('simulated snapshot vs production snapshot', () => {
  it('the sim snapshot has no field production’s snapshot lacks', async () => {
    let now = NOW;
    const port = await openSim('sim://mixed-workload', { clock: () => now });
    now += 120_000;
    const sim = paths(await port.snapshot());
    await port.close();
    const production = productionPaths();
    const extra = [...sim].filter((p) => !production.has(p));
    expect(extra).toEqual([]);
    // The check has teeth: the sim's snapshot does carry the rich fields production has.
    for (const p of [
      'vms[].dirtyRateBytesPerSecond',
      'vms[].memoryRssBytes',
      'hosts[].memoryFreeBytes',
      'vms[].horizonCpu.cores',
    ])
      expect(sim.has(p)).toBe(true);
  });
});
