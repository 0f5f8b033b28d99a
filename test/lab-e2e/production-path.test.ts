// The whole production path on real QEMU guests (issue 11): the lab's two libvirt hosts, one
// `vmpilot exporter` process per host, Debian's Prometheus, and `vmpilot autoscaler` acting
// through libvirt by itself. Four loaded guests start on lab-a, which makes lab-a a CPU
// hotspot on this machine's cores; nothing tells the autoscaler what to do.
//   1. the exporters publish real, moving stats of real guests; names and labels match the
//      golden shape (values are not compared) and promtool finds nothing to complain about;
//   2. local tuning through the production applier: a CPU cap slows the guest's own progress
//      counter, a balloon change shows in the guest's MemTotal and in the exporter;
//   3. global tuning: the autoscaler live-migrates a loaded guest from lab-a to lab-b by
//      itself; the guest's counter keeps increasing across the move; the events API has the
//      phases, duration and downtime; lab-b's exporter reports the guest; no move back;
//   4. lab-a's libvirtd restarts: its exporter and the autoscaler recover by themselves.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { TuningEvent } from '../../core/model/event';
import type { Action } from '../../core/model/plan';
import { parseWorkload } from '../../lab/workload';
import { getMetrics, promtoolCheck, sampleValue } from '../exporter/scrape-text';
import { pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';
import {
  apiEvents,
  guestRunning,
  killLibvirtd,
  progressOf,
  progressRate,
  restartLibvirtd,
  startAutoscaler,
  startRig,
  stopRig,
  waitGlobalRounds,
  type LabRig,
  labApplier,
  type LabApplier,
} from './rig';

jest.setTimeout(600_000);

const GOLDEN = path.join(__dirname, 'golden', 'exporter-shape.txt');
const GUESTS = ['lab-vm-1', 'lab-vm-2', 'lab-vm-3', 'lab-vm-4'];
const MiB = 2 ** 20;
const reason = { rule: 'e2e', text: 'production applier on a real guest' };

/** Metric name + sorted label names of every vmpilot_ sample (values and label values dropped). */
function shapeOf(text: string): string[] {
  const shapes = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || !line.startsWith('vmpilot_')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s/.exec(line);
    if (!m) throw new Error(`unparsable sample line: ${line}`);
    const labels = [...(m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((x) => x[1]).sort();
    shapes.add(`${m[1]}{${labels.join(',')}}`);
  }
  return [...shapes].sort();
}

const domainSeries = (metric: string, host: string, vm: string) =>
  new RegExp(`^${metric}\\{[^}]*domain="${vm}"[^}]*\\}`, 'm');

function seriesValue(text: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** What the autoscaler saw and decided, for a failed wait: its plan, points and last log lines. */
async function dumpAutoscaler(rig: LabRig): Promise<void> {
  const get = async (p: string) => {
    try {
      return await (await fetch(`${rig.api}${p}`, { signal: AbortSignal.timeout(10_000) })).text();
    } catch (err) {
      return `GET ${p}: ${String(err)}`;
    }
  };
  const tail = (s: string) => s.split('\n').slice(-60).join('\n');
  process.stdout.write(
    [
      `--- plan: ${await get('/api/v1/plan')}`,
      `--- metrics: ${(await get('/metrics'))
        .split('\n')
        .filter((l) => /^vmpilot_(vm_points|host_)/.test(l))
        .join('\n')}`,
      `--- events: ${await get('/api/v1/events?limit=30')}`,
      `--- autoscaler stdout:\n${tail(rig.service?.stdout() ?? '')}`,
      `--- autoscaler stderr:\n${tail(rig.service?.stderr() ?? '')}`,
    ].join('\n') + '\n',
  );
}

/** Kernel lines of a guest crash or an OOM kill (panic=-1 turns either into a reboot). */
const CRASH_LINE =
  /Kernel panic|Oops|BUG:|general protection|Out of memory|oom-kill|Call Trace|invalid opcode/;

/**
 * Why a guest's progress went wrong, for a failed check: the raw tail of its serial log (boot
 * messages, an oops or an OOM show there) and every event the autoscaler journalled for it
 * (local ballooning and caps as well as the move).
 */
async function dumpGuest(rig: LabRig, vm: string): Promise<void> {
  const g = rig.lab.guests.find((x) => x.name === vm);
  let serial = '(no serial log)';
  try {
    if (g) serial = readFileSync(g.serialLog, 'utf8').split('\n').slice(-150).join('\n');
  } catch (err) {
    serial = `read ${g?.serialLog}: ${String(err)}`;
  }
  let events: string;
  try {
    events = JSON.stringify(await apiEvents(rig, `vm=${encodeURIComponent(vm)}&limit=1000`), null, 1);
  } catch (err) {
    events = `GET events: ${String(err)}`;
  }
  // the verdict first: a guest kernel crash (reboots with panic=-1) is not a vmpilot decision,
  // unless it is an OOM after a balloon vmpilot set (its set_memory events are in the list)
  const crash = serial.split('\n').filter((l) => CRASH_LINE.test(l));
  const verdict = crash.length
    ? `${vm}'s kernel crashed or ran out of memory:\n${crash.slice(0, 20).join('\n')}`
    : `${vm}'s serial log shows no crash or OOM line`;
  process.stdout.write(
    `--- ${verdict}\n--- ${vm} serial log tail:\n${serial}\n--- ${vm} events:\n${events}\n`,
  );
}

describe('production path on the real QEMU lab', () => {
  let rig: LabRig;

  beforeAll(async () => {
    requireTool('promtool');
    rig = await startRig({
      name: 'path',
      up: {
        guests: GUESTS.length,
        workloads: [parseWorkload('cpu=1,mem=32,dirty=2')],
        memoryMiB: 256,
        placement: 'lab-a',
      },
      config: {
        planner: { t2Seconds: 5, t1Seconds: 15, cooldownSeconds: 600 },
        applier: { migrationTimeoutSeconds: 120, callTimeoutSeconds: 10 },
      },
    });
    for (const vm of GUESTS) await guestRunning(rig, vm);
  });
  afterAll(async () => {
    await stopRig(rig);
  });

  it('exporters publish moving stats of the real guests, in the golden shape, promtool-clean', async () => {
    const a = rig.exporters.get('lab-a')!;
    const b = rig.exporters.get('lab-b')!;
    const first = (await getMetrics(a.url)).text;
    // cpu time moves: poll a second scrape until every guest's counter advanced
    const later = await pollUntil(
      async () => {
        const t = (await getMetrics(a.url)).text;
        return GUESTS.every(
          (vm) =>
            (seriesValue(t, 'vmpilot_domain_cpu_time_seconds_total', { domain: vm }) ?? 0) >
            (seriesValue(first, 'vmpilot_domain_cpu_time_seconds_total', { domain: vm }) ?? Infinity),
        )
          ? t
          : null;
      },
      { what: 'every guest’s CPU time to advance on lab-a’s exporter', timeoutMs: 30_000, intervalMs: 1000 },
    );
    expect(sampleValue(later, 'vmpilot_host_up{host="lab-a"}')).toBe(1);
    for (const vm of GUESTS) {
      expect(seriesValue(later, 'vmpilot_domain_vcpus', { domain: vm })).toBe(1);
      expect(
        seriesValue(later, 'vmpilot_domain_vcpu_time_seconds_total', { domain: vm, vcpu: '0' }),
      ).toBeGreaterThan(0);
      // the balloon driver reports: current = what the guest was given, usable below it
      expect(seriesValue(later, 'vmpilot_domain_memory_balloon_current_bytes', { domain: vm })).toBe(
        256 * MiB,
      );
      const usable = await pollUntil(
        async () =>
          seriesValue((await getMetrics(a.url)).text, 'vmpilot_domain_memory_balloon_usable_bytes', {
            domain: vm,
          }),
        { what: `${vm}'s balloon statistics`, timeoutMs: 30_000, intervalMs: 1000 },
      );
      expect(usable).toBeGreaterThan(0);
      expect(usable).toBeLessThan(256 * MiB);
    }
    // lab-b has no guest yet, but answers
    const bText = (await getMetrics(b.url)).text;
    expect(sampleValue(bText, 'vmpilot_host_up{host="lab-b"}')).toBe(1);
    expect(bText).not.toMatch(/domain="lab-vm-/);

    const shape = shapeOf(later).join('\n') + '\n';
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, shape);
    expect(shape).toBe(readFileSync(GOLDEN, 'utf8'));
    for (const text of [later, bText]) {
      const lint = await promtoolCheck(text);
      expect(lint.output).toBe('');
      expect(lint.code).toBe(0);
    }
  });

  describe('local tuning through the production applier', () => {
    let lab: LabApplier | undefined;

    beforeAll(async () => {
      lab = await labApplier(rig, 'local-journal.jsonl', { migrationTimeoutMs: 60_000 });
    });
    afterAll(async () => {
      await lab?.close();
    });

    const apply = async (action: Action): Promise<TuningEvent> => {
      const [ev] = await lab!.applier.apply({ at: Date.now(), held: [], actions: [action] }, 'local');
      expect(ev).toMatchObject({ action: action.kind, result: 'completed' });
      return ev;
    };

    it('a CPU cap slows the guest’s own progress counter, and lifting it restores the pace', async () => {
      const vm = 'lab-vm-1';
      const rateOver = async (seconds: number) => {
        const start = progressOf(rig, vm).length;
        const lines = await pollUntil(
          () => {
            const p = progressOf(rig, vm);
            return p.length - start >= seconds + 1 ? p.slice(start) : null;
          },
          { what: `${seconds} s of ${vm}'s progress`, timeoutMs: seconds * 4000 + 30_000, intervalMs: 1000 },
        );
        return progressRate(lines, seconds);
      };
      const free = await rateOver(6);
      await apply({
        kind: 'set_cpu_cap',
        vm,
        from: 'lab-a',
        params: { periodUs: 100_000, quotaUs: 5_000 },
        reason,
      });
      const capped = await rateOver(6);
      await apply({
        kind: 'set_cpu_cap',
        vm,
        from: 'lab-a',
        params: { periodUs: 100_000, quotaUs: -1 },
        reason,
      });
      const again = await rateOver(6);
      process.stdout.write(`cap 5 %: ${free.toFixed(0)} → ${capped.toFixed(0)} → ${again.toFixed(0)} it/s\n`);
      // a 5 % cap on a guest that had a share of two cores: far below half its free pace
      expect(capped).toBeLessThan(free * 0.5);
      expect(again).toBeGreaterThan(capped * 2);
    });

    it('a balloon change shows in the guest’s MemTotal and in the exporter', async () => {
      const vm = 'lab-vm-2';
      const before = progressOf(rig, vm).at(-1)!;
      const target = 160 * MiB;
      const ev = await apply({ kind: 'set_memory', vm, from: 'lab-a', params: { bytes: target }, reason });
      // the balloon reached the target within the handler's settle time, or is on its way there
      const after = ev.after as { bytes: number; verified: boolean; settling?: boolean };
      if (after.verified) expect(after.bytes).toBe(target);
      else expect(after).toMatchObject({ settling: true });
      const shrunk = await pollUntil(
        () => {
          const p = progressOf(rig, vm).at(-1);
          return p && p.memTotalKiB < before.memTotalKiB - 64 * 1024 ? p : null;
        },
        { what: `${vm}'s MemTotal to drop by the balloon`, timeoutMs: 60_000, intervalMs: 1000 },
      );
      expect(shrunk.memAvailableKiB).toBeLessThan(before.memAvailableKiB);
      await pollUntil(
        async () =>
          seriesValue(
            (await getMetrics(rig.exporters.get('lab-a')!.url)).text,
            'vmpilot_domain_memory_balloon_current_bytes',
            { domain: vm },
          ) === target,
        { what: `lab-a's exporter to report ${vm}'s new balloon`, timeoutMs: 30_000, intervalMs: 1000 },
      );
      // give the memory back before the autoscaler takes over
      await apply({ kind: 'set_memory', vm, from: 'lab-a', params: { bytes: 256 * MiB }, reason });
    });
  });

  describe('global tuning by the autoscaler', () => {
    let moved: TuningEvent;

    it('live-migrates a loaded guest from the hot lab-a to lab-b by itself', async () => {
      await startAutoscaler(rig);
      try {
        moved = await pollUntil(
          async () =>
            (await apiEvents(rig, 'kind=global&limit=100')).find(
              (e) => e.action === 'migrate' && e.result !== 'planned' && e.result !== 'started',
            ),
          { what: 'a migration decided by the autoscaler to end', timeoutMs: 300_000, intervalMs: 2000 },
        );
      } catch (err) {
        await dumpAutoscaler(rig);
        throw err;
      }
      expect(moved).toMatchObject({ action: 'migrate', host: 'lab-a', to: 'lab-b', result: 'completed' });
      expect(GUESTS).toContain(moved.vm);
      expect(JSON.stringify(moved.reason)).toMatch(/lab-a/);
      const phases = moved.phases.map((p) => p.phase);
      expect(phases.slice(0, 2)).toEqual(['planned', 'started']);
      expect(phases.at(-1)).toBe('completed');
      const done = moved.phases.at(-1)!;
      expect(done.durationSeconds).toBeGreaterThan(0);
      expect(done.downtimeMs).toBeGreaterThanOrEqual(0);
      process.stdout.write(
        `autoscaler moved ${moved.vm} lab-a → lab-b in ${done.durationSeconds?.toFixed(1)} s, downtime ${done.downtimeMs} ms\n`,
      );
    });

    it('the moved guest keeps working on lab-b and lab-b’s exporter reports it', async () => {
      const vm = moved.vm;
      const at = Date.parse(moved.time);
      const lines = progressOf(rig, vm);
      const beforeMove = lines.filter((l) => l.uptimeSeconds > 0).length;
      const after = await pollUntil(
        () => {
          const p = progressOf(rig, vm);
          return p.length >= beforeMove + 5 ? p : null;
        },
        { what: `${vm}'s counter to go on after the move`, timeoutMs: 60_000, intervalMs: 1000 },
      );
      try {
        for (let i = 1; i < after.length; i++) {
          expect(after[i].uptimeSeconds).toBeGreaterThan(after[i - 1].uptimeSeconds); // no reboot
          expect(after[i].cpuIterations).toBeGreaterThanOrEqual(after[i - 1].cpuIterations); // no lost work
        }
        expect(after.at(-1)!.cpuIterations).toBeGreaterThan(lines.at(-1)!.cpuIterations);
      } catch (err) {
        await dumpGuest(rig, vm);
        throw err;
      }
      await pollUntil(
        async () =>
          domainSeries('vmpilot_domain_cpu_time_seconds_total', 'lab-b', vm).test(
            (await getMetrics(rig.exporters.get('lab-b')!.url)).text,
          ),
        { what: `lab-b's exporter to report ${vm}`, timeoutMs: 30_000, intervalMs: 1000 },
      );
      expect((await getMetrics(rig.exporters.get('lab-a')!.url)).text).not.toMatch(
        domainSeries('vmpilot_domain_info', 'lab-a', vm),
      );
      expect(at).toBeLessThanOrEqual(Date.now());
    });

    it('does not move the guest back (cooldown) over the next global rounds', async () => {
      await waitGlobalRounds(rig, 3, 'three more global rounds');
      const back = (await apiEvents(rig, 'kind=global&limit=100')).filter(
        (e) => e.action === 'migrate' && e.vm === moved.vm && e.id !== moved.id,
      );
      expect(back).toEqual([]);
    });
  });

  it('recovers by itself when lab-a’s libvirtd restarts', async () => {
    const a = rig.exporters.get('lab-a')!;
    const held = async () => {
      const r = await fetch(`${rig.api}/api/v1/plan`, { signal: AbortSignal.timeout(30_000) });
      return ((await r.json()) as { held: { host: string }[] }).held.map((h) => h.host);
    };
    await killLibvirtd(rig, 'lab-a', 'SIGTERM');
    await pollUntil(
      async () => sampleValue((await getMetrics(a.url)).text, 'vmpilot_host_up{host="lab-a"}') === 0,
      {
        what: "lab-a's exporter to report vmpilot_host_up 0",
        timeoutMs: 30_000,
        intervalMs: 1000,
      },
    );
    await pollUntil(async () => (await held()).includes('lab-a'), {
      what: 'the autoscaler to hold lab-a',
      timeoutMs: 60_000,
      intervalMs: 2000,
    });
    await restartLibvirtd(rig, 'lab-a');
    await pollUntil(
      async () => {
        const t = (await getMetrics(a.url)).text;
        return sampleValue(t, 'vmpilot_host_up{host="lab-a"}') === 1 && /domain="lab-vm-/.test(t);
      },
      {
        what: "lab-a's exporter to reconnect and report its guests again",
        timeoutMs: 60_000,
        intervalMs: 1000,
      },
    );
    await pollUntil(async () => !(await held()).includes('lab-a'), {
      what: 'the autoscaler to stop holding lab-a',
      timeoutMs: 90_000,
      intervalMs: 2000,
    });
    // the guests ran on through the daemon's restart
    for (const vm of GUESTS) await guestRunning(rig, vm, 30_000);
  });
});
