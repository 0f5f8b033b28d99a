// Issue 13 item 6: hosts fail at a scenario-given time, and a VM that does not run serves
// nothing, costs no CPU (and, saved or gone, no memory).
import { SimPort } from './adapter';
import { SimDriver } from './driver';
import { parseScenario } from './loader';

function scenario(extra: object = {}) {
  return parseScenario(
    {
      name: 'failing',
      durationSeconds: 600,
      hosts: [
        { name: 'a', cpus: 2, memory: '4GiB', reservedMemory: '1GiB' },
        { name: 'b', cpus: 2, memory: '4GiB', reservedMemory: '1GiB' },
      ],
      vms: [
        { name: 'w', host: 'a', workload: 'web', vcpus: 1, memory: '1GiB', demand: { requests: 10 } },
        { name: 'c', host: 'b', workload: 'cpu', vcpus: 1, memory: '1GiB', demand: { cpu: 0.5 } },
      ],
      ...extra,
    },
    'inline',
  );
}

describe('simulated host failures (scenario hostFailures)', () => {
  it('a host fails at its time: unreachable through the port, its VMs crash and miss their SLA; it recovers with them shut off', async () => {
    const s = scenario({ hostFailures: [{ host: 'a', atSeconds: 60, recoverAtSeconds: 120 }] });
    let now = 0;
    const driver = new SimDriver(s, { startMs: 0 });
    const port = new SimPort('sim://failing', driver, () => now, 1000);
    now = 59_000;
    expect((await port.listHosts()).map((h) => h.name)).toEqual(['a', 'b']);
    expect((await port.getVm({ host: 'a', name: 'w' })).state).toBe('running');
    const servedBefore = driver.model.vm('w').counters.appResponses;
    expect(servedBefore).toBeGreaterThan(0);
    now = 61_000;
    expect((await port.listHosts()).map((h) => h.name)).toEqual(['b']);
    await expect(port.getStats('a')).rejects.toMatchObject({ code: 'unreachable' });
    await expect(port.getVm({ host: 'a', name: 'w' })).rejects.toMatchObject({ code: 'unreachable' });
    expect(driver.snapshot().hosts.find((h) => h.name === 'a')?.up).toBe(false);
    const w = driver.model.vm('w');
    expect(w.state).toBe('crashed');
    const violatingAt61 = w.counters.slaViolationSeconds;
    now = 119_000;
    await port.listHosts();
    // 58 s more on a dead host: every request dropped, every second a violation, no CPU.
    expect(w.counters.appResponses).toBe(driver.model.vm('w').counters.appResponses);
    expect(w.counters.slaViolationSeconds - violatingAt61).toBeCloseTo(58, 6);
    expect(driver.model.host('a').last.usedCores).toBe(0);
    expect(driver.model.residentMemory(w)).toBe(0);
    // The other host never noticed.
    expect(driver.model.vm('c').state).toBe('running');
    now = 121_000;
    expect((await port.listHosts()).map((h) => h.name)).toEqual(['a', 'b']);
    expect((await port.getVm({ host: 'a', name: 'w' })).state).toBe('shutoff');
    await port.close();
  });

  it('a failure naming an unknown host is refused with the path', () => {
    expect(() => scenario({ hostFailures: [{ host: 'zz', atSeconds: 1 }] })).toThrow(
      /hostFailures\[0\]\.host: unknown host "zz"/,
    );
  });

  it('a suspended VM serves nothing and uses no CPU but keeps its memory; a saved (shut off) one holds no memory', () => {
    const driver = new SimDriver(scenario(), { startMs: 0 });
    const m = driver.model;
    m.advanceTo(30_000);
    const w = m.vm('w');
    m.setState(w, 'paused');
    const served = w.counters.appResponses;
    const cpu = w.counters.cpuSeconds;
    const violating = w.counters.slaViolationSeconds;
    m.advanceTo(60_000);
    expect(w.counters.appResponses).toBe(served);
    expect(w.counters.cpuSeconds).toBe(cpu);
    expect(w.counters.appDropped).toBeGreaterThan(0);
    expect(w.counters.slaViolationSeconds - violating).toBeCloseTo(30, 6);
    expect(m.residentMemory(w)).toBe(w.balloonBytes);
    m.setState(w, 'shutoff');
    expect(m.residentMemory(w)).toBe(0);
  });
});
