// The lab's guests on its hosts: define and start one, list where each runs, and read a
// guest's own progress from its console log.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { guestDomainXml, type GuestSpec } from './domain-xml';
import type { GuestImage } from './image';
import { parseProgressLog, type GuestProgress } from './progress';
import { virsh } from './virsh';

/** virsh's state words → the hypervisor port's VmState names. */
const STATES: Record<string, string> = {
  running: 'running',
  idle: 'blocked',
  paused: 'paused',
  'in shutdown': 'shutdown',
  'shut off': 'shutoff',
  crashed: 'crashed',
  pmsuspended: 'pmsuspended',
};

export const portState = (virshState: string) => STATES[virshState.trim()] ?? 'nostate';

/** Defines a guest on a host and starts it (the console logs are created first, writable by QEMU). */
export async function startGuest(
  uri: string,
  g: GuestSpec,
  image: GuestImage,
  xmlDir: string,
): Promise<void> {
  for (const f of [g.serialLog, g.channelLog]) if (!existsSync(f)) writeFileSync(f, '', { mode: 0o666 });
  const xml = path.join(xmlDir, `${g.name}.xml`);
  writeFileSync(xml, guestDomainXml(g, image));
  await virsh(uri, 'define', xml);
  await virsh(uri, 'start', g.name);
}

export interface HostDomain {
  name: string;
  state: string;
}

/** Every domain of a host with its state. */
export async function listDomains(uri: string): Promise<HostDomain[]> {
  const names = (await virsh(uri, 'list', '--all', '--name'))
    .split('\n')
    .map((n) => n.trim())
    .filter(Boolean);
  const out: HostDomain[] = [];
  for (const name of names) {
    const state = await virsh(uri, 'domstate', name).catch(() => 'nostate');
    out.push({ name, state: portState(state) });
  }
  return out;
}

/** The guest's progress lines so far (from its console log, which survives migrations). */
export function readProgress(serialLog: string): GuestProgress[] {
  if (!existsSync(serialLog)) return [];
  return parseProgressLog(readFileSync(serialLog, 'utf8'));
}
