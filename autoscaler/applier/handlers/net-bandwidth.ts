// set_net_bandwidth {device, inboundBytesSec, outboundBytesSec}: an interface's rate limits
// (0 = unlimited). No read-back in the port: a successful call is completed with
// `verified: false`.
import { defineTune } from './tune';

export const setNetBandwidth = defineTune({
  kind: 'set_net_bandwidth',
  read: async () => null,
  apply: (port, ref, v, opts) =>
    port.setNetBandwidth(
      ref,
      v.device,
      { inboundBytesSec: v.inboundBytesSec, outboundBytesSec: v.outboundBytesSec },
      opts,
    ),
  matches: (cur, asked) =>
    cur.device === asked.device &&
    cur.inboundBytesSec === asked.inboundBytesSec &&
    cur.outboundBytesSec === asked.outboundBytesSec,
});
