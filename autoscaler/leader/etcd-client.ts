// The etcd client of the leader election and the etcd journal, from `leader.etcd` in the
// config: every member's endpoint (the client fails over), TLS files read relative to the
// config file, and a deadline on every unary call (streams carry their own in callers).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import type { EtcdConfig } from './config';

export function etcdClient(cfg: EtcdConfig, baseDir: string): Etcd3 {
  const read = (what: string, f: string) => {
    const p = path.resolve(baseDir, f);
    try {
      return readFileSync(p);
    } catch (e) {
      throw new Error(`leader.etcd.tls.${what} ${p}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
  };
  const t = cfg.tls;
  const callMs = cfg.callTimeoutSeconds * 1000;
  return new Etcd3({
    hosts: cfg.endpoints,
    dialTimeout: callMs,
    ...(t
      ? {
          credentials: {
            rootCertificate: read('caFile', t.caFile),
            ...(t.certFile && t.keyFile
              ? { certChain: read('certFile', t.certFile), privateKey: read('keyFile', t.keyFile) }
              : {}),
          },
        }
      : {}),
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callMs }),
  });
}
