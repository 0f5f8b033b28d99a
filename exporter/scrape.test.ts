import { HypervisorError } from '../core/hypervisor/errors';
import { selectCollectors } from './collectors';
import type { Collector } from './collectors/types';
import { renderFamilies } from './metrics';
import { Scraper, type BackgroundOptions } from './scrape';
import { FixedTarget } from './targets';
import type { HypervisorPort } from '../core/hypervisor/port';
import { pollUntil } from '../test/helpers/poll';
import { FakePort, fakeHost } from './testing/fake-port';

const SLOW_GROUPS = ['cpu', 'balloon', 'block', 'vcpu', 'dirtyrate'] as const;

function scraper(
  port: FakePort,
  o: { deadlineMs?: number; collectors?: Collector[]; background?: BackgroundOptions } = {},
) {
  return new Scraper({
    targets: [new FixedTarget(port)],
    collectors: o.collectors ?? selectCollectors(),
    deadlineMs: o.deadlineMs ?? 2000,
    background: o.background ?? { groups: SLOW_GROUPS, intervalMs: 0, slowMs: 1000 },
    now: () => 1_700_000_000_000,
  });
}
const text = async (s: Scraper) => renderFamilies(await s.collect());

describe('Scraper', () => {
  it('reads each host with ONE getStats per scrape, hosts concurrently, all groups inline when fast', async () => {
    const port = new FakePort({ a: fakeHost('a', 2), b: fakeHost('b', 1) });
    const out = await text(scraper(port));
    expect(port.statsCalls.map((c) => c.host).sort()).toEqual(['a', 'b']);
    expect([...port.statsCalls[0].groups].sort()).toEqual([
      'balloon',
      'block',
      'cpu',
      'dirtyrate',
      'net',
      'perf',
      'state',
      'vcpu',
    ]);
    expect(out).toContain('vmpilot_host_up{host="a"} 1\n');
    expect(out).toContain(
      'vmpilot_domain_cpu_time_seconds_total{host="a",domain="vm1",uuid="a-uuid-1"} 11\n',
    );
    expect(out).toContain(
      'vmpilot_domain_vcpu_time_seconds_total{host="b",domain="vm0",uuid="b-uuid-0",vcpu="0"} 5\n',
    );
    expect(out).toContain('vmpilot_scrape_collector_success{host="a",collector="cpu"} 1\n');
    expect(out).toContain(
      'vmpilot_collector_last_success_timestamp_seconds{host="a",collector="cpu"} 1700000000\n',
    );
    expect(out).toMatch(/^vmpilot_scrape_duration_seconds \d/m);
  });

  it('answers within the deadline when a host hangs: host_up 0, success 0, other hosts intact', async () => {
    const port = new FakePort({ ok: fakeHost('ok', 1), stuck: { ...fakeHost('stuck', 1), hang: true } });
    const s = scraper(port, { deadlineMs: 300 });
    const t0 = Date.now();
    const out = await text(s);
    expect(Date.now() - t0).toBeLessThan(300 + 200);
    expect(out).toContain('vmpilot_host_up{host="stuck"} 0\n');
    expect(out).toContain('vmpilot_scrape_collector_success{host="stuck",collector="cpu"} 0\n');
    expect(out).not.toContain('domain="vm0",uuid="stuck-uuid-0"');
    expect(out).toContain('vmpilot_host_up{host="ok"} 1\n');
    expect(out).toContain(
      'vmpilot_domain_cpu_time_seconds_total{host="ok",domain="vm0",uuid="ok-uuid-0"} 10\n',
    );
  });

  it('never piles up calls to a hung host (bounded memory)', async () => {
    const port = new FakePort({ stuck: { ...fakeHost('stuck', 1), hang: true } });
    const s = scraper(port, { deadlineMs: 50 });
    for (let i = 0; i < 6; i++) await s.collect();
    expect(s.callsInFlight).toBeLessThanOrEqual(3);
    expect(port.statsCalls.length).toBeLessThanOrEqual(3);
  });

  it('reports a libvirt error as host_up 0 without failing the scrape', async () => {
    const port = new FakePort({
      bad: { ...fakeHost('bad', 1), fail: new HypervisorError('failed', 'boom') },
    });
    const out = await text(scraper(port));
    expect(out).toContain('vmpilot_host_up{host="bad"} 0\n');
    expect(out).toContain('vmpilot_scrape_collector_success{host="bad",collector="domain"} 0\n');
    expect(out).toContain('vmpilot_scrape_collector_success{host="bad",collector="host"} 1\n');
  });

  it('a throwing collector is reported with success 0 and the rest of the scrape survives', async () => {
    const broken: Collector = {
      name: 'broken',
      description: 'always throws',
      source: 'stats',
      groups: [],
      defaultEnabled: true,
      collect: () => {
        throw new Error('bug');
      },
    };
    const port = new FakePort({ a: fakeHost('a', 1) });
    const out = await text(scraper(port, { collectors: [...selectCollectors(['domain', 'cpu']), broken] }));
    expect(out).toContain('vmpilot_scrape_collector_success{host="a",collector="broken"} 0\n');
    expect(out).toContain('vmpilot_scrape_collector_success{host="a",collector="cpu"} 1\n');
    expect(out).toContain(
      'vmpilot_domain_cpu_time_seconds_total{host="a",domain="vm0",uuid="a-uuid-0"} 10\n',
    );
  });

  it('moves a slow host to background mode: cheap groups on the scrape path, slow ones from the cache', async () => {
    const port = new FakePort({ big: { ...fakeHost('big', 2), slowDelayMs: 80 } });
    const s = scraper(port, { background: { groups: SLOW_GROUPS, intervalMs: 0, slowMs: 40 } });
    await s.collect(); // inline, slow: switches to background and seeds the cache
    expect(s.modes()).toEqual({ big: 'background' });
    port.statsCalls.length = 0;
    const t0 = Date.now();
    const out = await text(s);
    expect(Date.now() - t0).toBeLessThan(60);
    expect([...port.statsCalls[0].groups].sort()).toEqual(['net', 'perf', 'state']);
    // The slow groups are still published (from the inline read that seeded the cache)...
    expect(out).toContain(
      'vmpilot_domain_cpu_time_seconds_total{host="big",domain="vm1",uuid="big-uuid-1"} 11\n',
    );
    expect(out).toContain(
      'vmpilot_domain_memory_balloon_current_bytes{host="big",domain="vm0",uuid="big-uuid-0"} 1024\n',
    );
    expect(out).toContain('vmpilot_scrape_collector_success{host="big",collector="vcpu"} 1\n');
    // ...and a background read of only the slow groups was started after the scrape.
    await pollUntil(
      () => port.statsCalls.some((c) => c.groups.includes('balloon') && !c.groups.includes('net')),
      {
        what: 'a background read of only the slow groups',
        timeoutMs: 5000,
        intervalMs: 10,
      },
    );
  });

  it('after an inline read timed out, answers fast from the cheap groups and fills the slow ones in later', async () => {
    const port = new FakePort({ big: { ...fakeHost('big', 1), slowDelayMs: 300 } });
    const s = scraper(port, {
      deadlineMs: 100,
      background: { groups: SLOW_GROUPS, intervalMs: 0, slowMs: 40 },
    });
    const first = await text(s);
    expect(first).toContain('vmpilot_host_up{host="big"} 0\n');
    expect(s.modes()).toEqual({ big: 'background' });
    const t0 = Date.now();
    const second = await text(s);
    expect(Date.now() - t0).toBeLessThan(100);
    expect(second).toContain('vmpilot_host_up{host="big"} 1\n');
    expect(second).toContain('vmpilot_scrape_collector_success{host="big",collector="cpu"} 0\n');
    expect(second).not.toContain('vmpilot_domain_cpu_time_seconds_total');
    await pollUntil(() => port.answered.some((c) => c.groups.includes('cpu') && !c.groups.includes('net')), {
      what: 'the background read of the slow groups to finish',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const third = await text(s);
    expect(third).toContain('vmpilot_scrape_collector_success{host="big",collector="cpu"} 1\n');
    expect(third).toContain(
      'vmpilot_domain_cpu_time_seconds_total{host="big",domain="vm0",uuid="big-uuid-0"} 10\n',
    );
  });

  describe('background reads on a connection of their own', () => {
    /** A target whose background reads go to a second port, as ReconnectingTarget does for remote libvirt. */
    class TwoConnectionTarget extends FixedTarget {
      constructor(
        main: HypervisorPort,
        private readonly bgPort: HypervisorPort,
      ) {
        super(main);
      }
      async backgroundPort(): Promise<HypervisorPort> {
        return this.bgPort;
      }
    }
    const slowHost = () => ({ big: { ...fakeHost('big', 2), slowDelayMs: 300 } });
    const background: BackgroundOptions = { groups: SLOW_GROUPS, intervalMs: 0, slowMs: 40 };

    const isBackgroundRead = (c: { groups: readonly string[] }) =>
      c.groups.includes('balloon') && !c.groups.includes('net');

    /**
     * Scrapes until the host is in background mode, then scrapes once more while a
     * background read of the slow groups is running; tells whether that read was still
     * running when the scrape answered (ordering, not timing).
     */
    async function scrapeBehindBackgroundRead(target: FixedTarget, main: FakePort, bg: FakePort) {
      const s = new Scraper({
        targets: [target],
        collectors: selectCollectors(),
        deadlineMs: 5000,
        background,
        now: () => 1_700_000_000_000,
      });
      await s.collect(); // inline and slow: background mode from now on
      expect(s.modes()).toEqual({ big: 'background' });
      await s.collect(); // cheap read, then starts the background read of the slow groups
      await new Promise((r) => setImmediate(r));
      expect(bg.statsCalls.filter(isBackgroundRead)).toHaveLength(1); // running now
      const out = await text(s);
      return {
        out,
        backgroundStillRunning: bg.answered.filter(isBackgroundRead).length === 0,
        slowGroupsReadOnMain: main.statsCalls.slice(1).some((c) => c.groups.includes('balloon')),
      };
    }

    it('the cheap scrape read never waits behind a running background read', async () => {
      const hosts = slowHost();
      const main = new FakePort(hosts, { serial: true });
      const bg = new FakePort(hosts, { serial: true });
      const r = await scrapeBehindBackgroundRead(new TwoConnectionTarget(main, bg), main, bg);
      expect(r.backgroundStillRunning).toBe(true);
      expect(r.slowGroupsReadOnMain).toBe(false); // after the first inline read, only cheap reads there
      expect(r.out).toContain('vmpilot_host_up{host="big"} 1\n');
    });

    it('on one connection the same scrape does wait (what the second connection avoids)', async () => {
      const main = new FakePort(slowHost(), { serial: true });
      const r = await scrapeBehindBackgroundRead(new FixedTarget(main), main, main);
      expect(r.backgroundStillRunning).toBe(false);
    });
  });
});
