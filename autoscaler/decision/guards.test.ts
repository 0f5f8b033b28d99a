import type { ClusterSnapshot, HostSnapshot } from '../../core/model/snapshot';
import { defaultPlannerConfig } from './config';
import { holdReason, inCooldown, inFlightMigration, isPingPong, secondsSinceLastMove } from './guards';

const history = [
  { vm: 'a', from: 'h1', to: 'h2', at: 100_000 },
  { vm: 'a', from: 'h2', to: 'h3', at: 400_000 },
];

describe('cooldown and ping-pong', () => {
  it('measures from the latest migration of the VM', () => {
    expect(secondsSinceLastMove('a', history, 500_000)).toBe(100);
    expect(secondsSinceLastMove('b', history, 500_000)).toBe(Infinity);
    expect(inCooldown('a', history, 500_000, 120)).toBe(true);
    expect(inCooldown('a', history, 500_000, 100)).toBe(false);
  });
  it('refuses a move back to a host the VM left within the window', () => {
    expect(isPingPong('a', 'h1', history, 500_000, 400)).toBe(true);
    expect(isPingPong('a', 'h1', history, 500_000, 399)).toBe(false);
    expect(isPingPong('a', 'h2', history, 500_000, 200)).toBe(true);
    expect(isPingPong('a', 'h4', history, 500_000, 1e9)).toBe(false);
  });
});

describe('in-flight migrations', () => {
  it('is the latest move of a VM still seen on its source, within the bound', () => {
    expect(inFlightMigration('a', 'h2', history, 500_000, 600)).toEqual(history[1]);
    expect(inFlightMigration('a', 'h3', history, 500_000, 600)).toBeUndefined(); // landed
    expect(inFlightMigration('a', 'h2', history, 500_000, 100)).toBeUndefined(); // too old: failed
    expect(inFlightMigration('b', 'h1', history, 500_000, 600)).toBeUndefined();
  });
});

describe('holdReason', () => {
  const host: HostSnapshot = {
    name: 'h1',
    cpus: 1,
    capacity: { cpu: 1, mem: 1, disk: 1, net: 1 },
    usageHistory: [],
    up: true,
    ageSeconds: 5,
  };
  const snap: ClusterSnapshot = { at: 1_000_000, intervalSeconds: 10, hosts: [host], vms: [] };
  it('acts on fresh data', () => {
    expect(holdReason(host, snap, defaultPlannerConfig(), 1_000_000)).toBeUndefined();
  });
  it('holds a host older than 2 intervals and a down host, with a code', () => {
    expect(holdReason({ ...host, ageSeconds: 21 }, snap, defaultPlannerConfig(), 1_000_000)).toEqual({
      code: 'stale',
      reason: expect.stringMatching(/stale/),
    });
    expect(holdReason(host, snap, defaultPlannerConfig(), 1_025_000)?.code).toBe('stale');
    expect(holdReason({ ...host, up: false }, snap, defaultPlannerConfig(), 1_000_000)).toEqual({
      code: 'host_down',
      reason: expect.stringMatching(/down/),
    });
  });
  it('lets older data through when planner.staleIntervals is raised', () => {
    const three = defaultPlannerConfig({ staleIntervals: 3 });
    expect(holdReason({ ...host, ageSeconds: 21 }, snap, three, 1_000_000)).toBeUndefined();
    expect(holdReason(host, snap, three, 1_025_000)).toBeUndefined();
    expect(holdReason({ ...host, ageSeconds: 31 }, snap, three, 1_000_000)).toEqual({
      code: 'stale',
      reason: 'stale data: 31 s old (limit 30 s)',
    });
  });
  it('leaves the pause to the service: the planner config has no say', () => {
    expect(holdReason(host, snap, defaultPlannerConfig({ paused: true }), 1_000_000)).toBeUndefined();
  });
});
