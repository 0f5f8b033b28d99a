// set_cpu_shares {shares}: the VM's CPU weight against its neighbours; read back exactly.
import { defineTune } from './tune';

export const setCpuShares = defineTune({
  kind: 'set_cpu_shares',
  async read(port, ref, _action, opts) {
    return { shares: (await port.getCpuTune(ref, opts)).shares };
  },
  apply: (port, ref, v, opts) => port.setCpuShares(ref, v.shares, opts),
  matches: (cur, asked) => cur.shares === asked.shares,
});
