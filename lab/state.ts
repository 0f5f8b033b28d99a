// The lab's state file (<state dir>/lab.json): what `lab up` started, read by `status` and
// `down`. Written atomically; its presence also marks the state dir as the lab's own, so
// `down` never removes a directory it did not create.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Workload } from './workload';

export interface LabHostState {
  name: string;
  /** URI vmpilot (and the other host, for peer-to-peer migration) uses: the daemon's unix socket. */
  uri: string;
  /** qemu+tcp URI, reachable only from inside the lab's namespaces. */
  tcpUri: string;
  address: string;
  hostUuid: string;
  dir: string;
}

export interface LabGuestState {
  name: string;
  /** Host it was started on (it may have migrated since: `status` asks the hosts). */
  startedOn: string;
  vcpus: number;
  maxVcpus: number;
  memoryMiB: number;
  workload: Workload;
  serialLog: string;
  channelLog: string;
}

export interface LabState {
  stateDir: string;
  cacheDir: string;
  image: { kernel: string; initrd: string; kernelPackage: string };
  sharedDir: string;
  hosts: LabHostState[];
  guests: LabGuestState[];
  startedAt: string;
}

export const stateFile = (stateDir: string) => path.join(stateDir, 'lab.json');

export function readState(stateDir: string): LabState | null {
  const file = stateFile(stateDir);
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return null; // `up` marked the dir but had not started yet
  try {
    return JSON.parse(text) as LabState;
  } catch (e) {
    throw new Error(`lab state ${file} is damaged (run vmpilot lab down --state-dir ${stateDir})`, {
      cause: e,
    });
  }
}

/** Marks a fresh state dir as the lab's (an empty state file). */
export function markStateDir(stateDir: string): void {
  if (!existsSync(stateFile(stateDir))) writeFileSync(stateFile(stateDir), '');
}

export function writeState(s: LabState): void {
  const tmp = `${stateFile(s.stateDir)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(tmp, stateFile(s.stateDir));
}
