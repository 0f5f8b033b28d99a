// The restart handler through the applier, on an in-memory port whose hosts can die and
// come back: nothing restarts while the failed host still answers libvirt or when the
// fencing hook refuses; a UUID resident anywhere is never started again; and, as a
// property over any sequence of restart plans, host deaths and returns, a VM is never
// resident on two hosts.
import fc from 'fast-check';
import pino from 'pino';
import { HypervisorError } from '../../../core/hypervisor/errors';
import type { HostInfo, VmInfo } from '../../../core/hypervisor/port';
import type { Plan, RestartAction } from '../../../core/model/plan';
import { FakePort, uuidFor } from '../../../test/autoscaler/fake-port';
import { MemoryEventLog } from '../../journal/event-log';
import { ServiceMetrics } from '../../service/metrics';
import { Applier } from '../applier';
import type { RestartOptions } from './restart';

/** A fake port whose hosts can die (libvirt silent) and that defines VMs from kept definitions. */
class DyingPort extends FakePort {
  readonly down = new Set<string>();
  starts: string[] = [];
  private silent(host: string) {
    if (this.down.has(host)) throw new HypervisorError('unreachable', `${host} does not answer`);
  }
  override getHostInfo(host: string): Promise<HostInfo> {
    this.silent(host);
    return super.getHostInfo(host);
  }
  override listVms(host: string): Promise<VmInfo[]> {
    this.silent(host);
    return super.listVms(host);
  }
  override async start(ref: { host: string; name: string }): Promise<void> {
    this.silent(ref.host);
    await super.start(ref);
    this.starts.push(`${ref.name}@${ref.host}`);
  }
  async getDefinition(ref: { host: string; name: string }): Promise<string> {
    this.silent(ref.host);
    return JSON.stringify({ name: ref.name });
  }
  async define(host: string, definition: string): Promise<string> {
    this.silent(host);
    const { name } = JSON.parse(definition) as { name: string };
    const h = this.hosts.get(host)!;
    if (!h.vms.has(name)) this.addVm(host, name, { state: 'shutoff' });
    return name;
  }
  /** The host dies: its libvirt stops answering and its VMs die with it; back, they are shut off. */
  kill(host: string) {
    this.down.add(host);
    for (const v of this.hosts.get(host)!.vms.values()) if (v.state === 'running') v.state = 'crashed';
  }
  revive(host: string) {
    this.down.delete(host);
    for (const v of this.hosts.get(host)!.vms.values()) v.state = 'shutoff';
  }
  residentHostsOf(uuid: string): string[] {
    return [...this.hosts]
      .filter(
        ([h, x]) =>
          !this.down.has(h) && [...x.vms.values()].some((v) => v.uuid === uuid && v.state === 'running'),
      )
      .map(([h]) => h);
  }
}

const reason = { rule: 'test', text: 'the test restarts it' };
const restart = (vm: string, from: string, to: string): RestartAction => ({
  kind: 'restart',
  vm,
  from,
  to,
  params: { uuid: uuidFor(vm) },
  reason,
});
const plan = (...actions: RestartAction[]): Plan => ({
  at: 0,
  held: [{ host: 'a', code: 'host_down', reason: 'down' }],
  actions,
});

function setup(extra: Partial<RestartOptions> = {}) {
  const port = new DyingPort().addHost('a').addHost('b').addHost('c').addVm('a', 'web1').addVm('a', 'db1');
  const events = new MemoryEventLog();
  const failed = new Set<string>();
  const applier = new Applier({
    port,
    journal: events,
    metrics: new ServiceMetrics({ processMetrics: false }),
    log: pino({ level: 'silent' }),
    clock: Date.now,
    callTimeoutMs: 1000,
    migrationTimeoutMs: 1000,
    maxConcurrentMigrations: 1,
    dryRun: () => false,
    paused: () => false,
    restart: {
      definitionOf: (uuid) =>
        ['web1', 'db1']
          .map((n) => ({ name: n, definition: JSON.stringify({ name: n }), memoryBytes: 2 ** 30 }))
          .find((d) => uuidFor(d.name) === uuid),
      knownHosts: () => ['a', 'b', 'c'],
      failedHosts: () => failed,
      heartbeatTimeoutMs: 200,
      ...extra,
    },
  });
  const kill = (h: string) => {
    port.kill(h);
    failed.add(h);
  };
  return { port, events, applier, failed, kill };
}

describe('restart handler', () => {
  it('restarts a dead host’s VM on the destination, read back by UUID, journalled', async () => {
    const { port, applier, kill } = setup();
    kill('a');
    const [ev] = await applier.apply(plan(restart('web1', 'a', 'b')), 'global');
    expect(ev).toMatchObject({
      action: 'restart',
      host: 'a',
      to: 'b',
      result: 'completed',
      after: { host: 'b', verified: true },
    });
    expect(port.starts).toEqual(['web1@b']);
  });

  it('refuses while the failed host still answers libvirt: nothing is defined or started', async () => {
    const { port, applier } = setup();
    const [ev] = await applier.apply(plan(restart('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/answers libvirt again/);
    expect(port.starts).toEqual([]);
    expect(port.calls).not.toContain('start');
  });

  it('refuses when the fencing hook fails, and runs it before starting anything', async () => {
    const fenced: string[] = [];
    const { port, applier, kill } = setup({
      fence: async (h) => {
        fenced.push(h);
        throw new Error('IPMI said no');
      },
      fenceTimeoutMs: 500,
    });
    kill('a');
    const [ev] = await applier.apply(plan(restart('web1', 'a', 'b')), 'global');
    expect(fenced).toEqual(['a']);
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/IPMI said no/);
    expect(port.starts).toEqual([]);
  });

  it('never starts a UUID that runs elsewhere; a second restart of one already back does nothing', async () => {
    const { port, applier, kill } = setup();
    kill('a');
    await applier.apply(plan(restart('web1', 'a', 'b')), 'global');
    const again = await applier.apply(plan(restart('web1', 'a', 'b'), restart('web1', 'a', 'c')), 'global');
    // On b already: nothing journalled for b; towards c: refused, never started.
    expect(again.map((e) => [e.to, e.result])).toEqual([['c', 'failed']]);
    expect(again[0].error).toMatch(/already runs on b/);
    expect(port.starts).toEqual(['web1@b']);
  });

  it('refuses while another host cannot be asked (it might run the VM)', async () => {
    const { port, applier, kill } = setup();
    kill('a');
    port.kill('c'); // silent, but not (yet) counted failed
    const [ev] = await applier.apply(plan(restart('web1', 'a', 'b')), 'global');
    expect(ev.result).toBe('failed');
    expect(ev.error).toMatch(/cannot check c/);
    expect(port.starts).toEqual([]);
  });

  it('property: whatever restarts are planned and hosts die or return, a VM is never resident on two hosts', async () => {
    const step = fc.oneof(
      fc.record({
        op: fc.constant('restart' as const),
        vm: fc.constantFrom('web1', 'db1'),
        from: fc.constantFrom('a', 'b', 'c'),
        to: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.record({ op: fc.constant('kill' as const), host: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ op: fc.constant('revive' as const), host: fc.constantFrom('a', 'b', 'c') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
        const { port, applier, failed, kill } = setup();
        for (const s of steps) {
          if (s.op === 'kill') kill(s.host);
          else if (s.op === 'revive') {
            port.revive(s.host);
            failed.delete(s.host);
          } else if (s.from !== s.to) {
            await applier.apply(
              {
                at: 0,
                held: [...failed].map((h) => ({ host: h, code: 'host_down' as const, reason: 'down' })),
                actions: [restart(s.vm, s.from, s.to)],
              },
              'global',
            );
          }
          for (const vm of ['web1', 'db1'])
            expect(port.residentHostsOf(uuidFor(vm)).length).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });
});
