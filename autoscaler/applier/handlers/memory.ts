// set_memory {bytes}: the balloon target. libvirt sets it in KiB and a balloon settles near,
// not at, its target, so a read-back within 1 % or 1 MiB counts as the value asked.
// A real guest's balloon moves at the guest's pace (seconds for a loaded TCG guest in the
// lab, issue 11): the read-back is repeated for a few seconds, and a balloon still on its
// way (it moved towards the target) is completed unverified with `settling: true`; one
// that did not move at all is failed. Not reverted: setting the old target
// back would undo a change the guest is making; the next round re-plans from what it sees.
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
  settle: {
    withinMs: 5000,
    intervalMs: 250,
    // moved by more than the read-back tolerance, in the asked direction
    towards: (was, cur, asked) => Math.abs(asked.bytes - cur.bytes) < Math.abs(asked.bytes - was.bytes) - MiB,
  },
});
