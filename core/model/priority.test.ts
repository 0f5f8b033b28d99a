import fc from 'fast-check';
import { PRIORITY_CLASSES, priorityRank, yieldsBefore, type VmPriority } from './priority';
import { parseVmMetadata, priorityMetadataXml } from './vm-metadata';

const parsePriorityMetadata = (xml: string) => parseVmMetadata(xml).priority;

describe('VM priorities', () => {
  it('round-trips through the metadata element, with and without a weight', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PRIORITY_CLASSES),
        fc.option(fc.double({ min: 0.01, max: 100, noNaN: true }), { nil: undefined }),
        (cls, weight) => {
          const p: VmPriority = weight === undefined ? { class: cls } : { class: cls, weight };
          expect(parsePriorityMetadata(priorityMetadataXml(p))).toEqual(p);
        },
      ),
    );
  });

  it('reads the element as libvirt returns it (its own prefix) and refuses a bad class with one line', () => {
    expect(
      parsePriorityMetadata(
        '<vp:priority xmlns:vp="https://vmpilot.dev/xmlns/priority/1" class="critical"/>',
      ),
    ).toEqual({ class: 'critical' });
    expect(() => parsePriorityMetadata('<priority class="urgent"/>')).toThrow(/^vmpilot metadata: class: /);
    expect(() => parsePriorityMetadata('<other/>')).toThrow(/no <priority> element/);
  });

  it('orders who yields first: lower class, then lighter weight, then name', () => {
    expect(priorityRank({ class: 'critical' })).toBeGreaterThan(priorityRank({ class: 'high' }));
    expect(priorityRank(undefined)).toBe(priorityRank({ class: 'normal' }));
    const vms = [
      { name: 'c', priority: { class: 'low' as const, weight: 2 } },
      { name: 'a', priority: { class: 'critical' as const } },
      { name: 'b', priority: { class: 'low' as const, weight: 0.5 } },
      { name: 'd' },
    ];
    expect([...vms].sort(yieldsBefore).map((v) => v.name)).toEqual(['b', 'c', 'd', 'a']);
  });
});
