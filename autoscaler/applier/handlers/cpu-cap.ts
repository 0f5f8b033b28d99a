// set_cpu_cap {periodUs, quotaUs}: the CFS bandwidth cap (quota -1 = none); read back exactly.
import { defineTune } from './tune';

export const setCpuCap = defineTune({
  kind: 'set_cpu_cap',
  async read(port, ref, _action, opts) {
    const { cap } = await port.getCpuTune(ref, opts);
    return { periodUs: cap.periodUs, quotaUs: cap.quotaUs };
  },
  apply: (port, ref, v, opts) => port.setCpuCap(ref, { periodUs: v.periodUs, quotaUs: v.quotaUs }, opts),
  matches: (cur, asked) => cur.periodUs === asked.periodUs && cur.quotaUs === asked.quotaUs,
});
