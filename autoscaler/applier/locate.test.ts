import type { VmState } from '../../core/hypervisor/port';
import { FakePort } from '../../test/autoscaler/fake-port';
import { locateVm } from './locate';

/** A port with the VM `v` in the given states on hosts a (source) and b (destination). */
function ports(onA: VmState | null, onB: VmState | null) {
  const port = new FakePort().addHost('a', 4, 2 ** 34).addHost('b', 4, 2 ** 34);
  if (onA) port.addVm('a', 'v', { state: onA });
  if (onB) port.addVm('b', 'v', { state: onB });
  return port;
}
const where = (onA: VmState | null, onB: VmState | null) => locateVm(ports(onA, onB), 'v', 'a', 'b', 1000);

describe('locateVm', () => {
  it('a paused incoming copy on the destination beside the running source is not a move', async () => {
    expect(await where('running', 'paused')).toBe('from');
  });
  it('moved: only the destination is active, or it runs while the source waits paused', async () => {
    expect(await where(null, 'running')).toBe('to');
    expect(await where('shutoff', 'running')).toBe('to');
    expect(await where('paused', 'running')).toBe('to');
    // a guest paused before its migration arrives paused
    expect(await where(null, 'paused')).toBe('to');
  });
  it('still at the source, or on neither host', async () => {
    expect(await where('running', null)).toBe('from');
    expect(await where('paused', 'paused')).toBe('from');
    expect(await where('running', 'shutoff')).toBe('from');
    expect(await where(null, null)).toBeNull();
    expect(await where('shutoff', null)).toBeNull();
  });
});
