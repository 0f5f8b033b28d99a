// The lab's network: one namespace per host (`ip netns add`, so it has a name under
// /run/netns that nsenter can enter) and a veth pair between them, addressed only inside
// the namespaces. Deleting a namespace removes its veth end and with it the pair.
import { existsSync } from 'node:fs';
import { run } from './exec';
import { LAB_PREFIX_LENGTH, netnsPath, type LabHostSpec } from './topology';

const T = { timeoutMs: 15_000 };

/** Creates the namespaces and the veth pair; a namespace already there is recreated. */
export async function createNetwork(hosts: readonly LabHostSpec[]): Promise<void> {
  if (hosts.length !== 2) throw new Error(`the lab network joins exactly 2 hosts, not ${hosts.length}`);
  for (const h of hosts) {
    if (existsSync(netnsPath(h.name))) await run('ip', ['netns', 'del', h.name], T);
    await run('ip', ['netns', 'add', h.name], T);
  }
  const [a, b] = hosts;
  await run(
    'ip',
    ['link', 'add', a.veth, 'netns', a.name, 'type', 'veth', 'peer', 'name', b.veth, 'netns', b.name],
    T,
  );
  for (const h of hosts) {
    const ns = ['-n', h.name];
    await run('ip', [...ns, 'addr', 'add', `${h.address}/${LAB_PREFIX_LENGTH}`, 'dev', h.veth], T);
    await run('ip', [...ns, 'link', 'set', h.veth, 'up'], T);
    await run('ip', [...ns, 'link', 'set', 'lo', 'up'], T);
  }
}

/** Deletes the namespaces that exist (and so the veth pair). */
export async function deleteNetwork(hosts: readonly LabHostSpec[]): Promise<void> {
  for (const h of hosts) {
    if (existsSync(netnsPath(h.name))) await run('ip', ['netns', 'del', h.name], T);
  }
}

/** PIDs of every process inside a host's namespace (libvirtd, its QEMUs, helpers). */
export async function pidsInNamespace(host: string): Promise<number[]> {
  if (!existsSync(netnsPath(host))) return [];
  const out = await run('ip', ['netns', 'pids', host], T);
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}
