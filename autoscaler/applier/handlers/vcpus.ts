// set_vcpus {count}: the number of online vCPUs; read back exactly.
import { defineTune } from './tune';

export const setVcpus = defineTune({
  kind: 'set_vcpus',
  async read(port, ref, _action, opts) {
    return { count: (await port.getVm(ref, opts)).vcpus };
  },
  apply: (port, ref, v, opts) => port.setVcpus(ref, v.count, opts),
  matches: (cur, asked) => cur.count === asked.count,
});
