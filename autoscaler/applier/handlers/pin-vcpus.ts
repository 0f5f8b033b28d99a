// pin_vcpus {vcpu, cpus}: the host CPUs one vCPU may run on. The port has no read-back for
// pinning, so a successful call is journalled as completed with `verified: false`; revert
// pins back to the planner's `before` (the pinning it saw), when it had one.
import { defineTune } from './tune';

export const pinVcpus = defineTune({
  kind: 'pin_vcpus',
  read: async () => null,
  apply: (port, ref, v, opts) => port.pinVcpu(ref, v.vcpu, v.cpus, opts),
  matches: (cur, asked) => cur.vcpu === asked.vcpu && cur.cpus.join(',') === asked.cpus.join(','),
});
