import { cpuLimitCores, proportionalShare } from './cpu';

describe('proportionalShare (CFS-style split)', () => {
  it('splits a contended host in proportion to shares', () => {
    const a = proportionalShare(3, [
      { demand: 4, shares: 1024, limit: 4 },
      { demand: 4, shares: 2048, limit: 4 },
    ]);
    expect(a[0]).toBeCloseTo(1);
    expect(a[1]).toBeCloseTo(2);
  });

  it('is work-conserving: what a light VM leaves goes to the others', () => {
    const a = proportionalShare(4, [
      { demand: 0.5, shares: 1024, limit: 4 },
      { demand: 10, shares: 1024, limit: 10 },
      { demand: 10, shares: 1024, limit: 10 },
    ]);
    expect(a[0]).toBeCloseTo(0.5);
    expect(a[1]).toBeCloseTo(1.75);
    expect(a[2]).toBeCloseTo(1.75);
    expect(a.reduce((x, y) => x + y)).toBeCloseTo(4);
  });

  it('honours limits (vCPUs, caps) even when capacity is left idle', () => {
    const a = proportionalShare(8, [
      { demand: 5, shares: 1024, limit: 1 },
      { demand: 5, shares: 10, limit: 2 },
    ]);
    expect(a).toEqual([1, 2]);
  });

  it('gives nothing to a VM without demand and never more than demanded', () => {
    const a = proportionalShare(2, [
      { demand: 0, shares: 1024, limit: 2 },
      { demand: 0.3, shares: 1024, limit: 2 },
    ]);
    expect(a).toEqual([0, 0.3]);
  });
});

describe('cpuLimitCores', () => {
  it('takes the smallest of vCPUs, quota per vCPU and pinned set', () => {
    expect(cpuLimitCores(4, { periodUs: 100000, quotaUs: -1 }, undefined)).toBe(4);
    expect(cpuLimitCores(4, { periodUs: 100000, quotaUs: 50000 }, undefined)).toBe(2);
    expect(cpuLimitCores(4, { periodUs: 100000, quotaUs: -1 }, 1)).toBe(1);
  });
});
