// set_block_iotune {device, totalBytesSec}: a disk's throughput limit (0 = unlimited). The
// port has no read-back for I/O limits: a successful call is completed with `verified: false`.
import { defineTune } from './tune';

export const setBlockIoTune = defineTune({
  kind: 'set_block_iotune',
  read: async () => null,
  apply: (port, ref, v, opts) => port.setBlockIoTune(ref, v.device, { totalBytesSec: v.totalBytesSec }, opts),
  matches: (cur, asked) => cur.device === asked.device && cur.totalBytesSec === asked.totalBytesSec,
});
