import { ClusterModel } from './cluster-model';

function model(): ClusterModel {
  const m = new ClusterModel();
  m.addHost('h1', { cpu: 4, mem: 100, disk: 10, net: 10 }, { cpu: 3, mem: 60, disk: 0, net: 0 });
  m.addHost('h2', { cpu: 8, mem: 100, disk: 10, net: 10 }, { cpu: 2, mem: 20, disk: 0, net: 0 });
  m.addVm({ name: 'a', host: 'h1', demand: { cpu: 2, mem: 30, disk: 0, net: 0 }, tags: ['kind:disk'] });
  m.addVm({ name: 'b', host: 'h1', demand: { cpu: 1, mem: 30, disk: 0, net: 0 }, tags: [] });
  return m;
}

describe('ClusterModel', () => {
  it('moves demand and tags between hosts', () => {
    const m = model();
    m.move('a', 'h2');
    expect(m.load('h1').cpu).toBeCloseTo(0.25);
    expect(m.load('h2')).toEqual({ cpu: 0.5, mem: 0.5, disk: 0, net: 0 });
    expect(m.tagCount('h2', 'kind:disk')).toBe(1);
    expect(m.tagCount('h1', 'kind:disk')).toBe(0);
    expect(m.vm('a').host).toBe('h2');
  });
  it('reverts to a mark exactly, and commit keeps the moves', () => {
    const m = model();
    const before = { h1: m.load('h1'), h2: m.load('h2') };
    const mark = m.mark();
    m.move('a', 'h2');
    m.move('b', 'h2');
    m.revert(mark);
    expect(m.load('h1')).toEqual(before.h1);
    expect(m.load('h2')).toEqual(before.h2);
    expect(m.vm('b').host).toBe('h1');
    m.move('b', 'h2');
    expect(m.commit()).toEqual([{ vm: 'b', from: 'h1', to: 'h2' }]);
    m.revert();
    expect(m.vm('b').host).toBe('h2');
  });
  it('counts tags without a given VM', () => {
    const m = model();
    expect(m.tagCount('h1', 'kind:disk', 'a')).toBe(0);
    expect(m.tagCount('h1', 'kind:disk', 'b')).toBe(1);
  });
});
