// set_memory {bytes}: the balloon target. libvirt sets it in KiB and a balloon settles near,
// not at, its target, so a read-back within 1 % or 1 MiB counts as the value asked.
// Not reverted: a read-back off target is a balloon still moving towards it, and setting
// the old target back would undo a change the guest is making; the next round re-plans
// from what it then sees.
import { defineTune } from './tune';

const MiB = 1 << 20;
const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(MiB, 0.01 * b);

export const setMemory = defineTune({
  kind: 'set_memory',
  async read(port, ref, _action, opts) {
    return { bytes: (await port.getVm(ref, opts)).memoryBytes };
  },
  apply: (port, ref, v, opts) => port.setMemory(ref, v.bytes, opts),
  matches: (cur, asked) => close(cur.bytes, asked.bytes),
  noRevert: 'a balloon moves gradually: the next round re-plans from where it settles',
});
