// The lab's fixed layout: two libvirt hosts, each in a network namespace of its own, joined
// by one veth pair. Every address lives only inside these namespaces. One definition of each
// fact that the daemons' configs, the network set-up and the clean-up share.

export interface LabHostSpec {
  /** Host name: the namespace's name, its hostname and vmpilot's name for the host. */
  name: string;
  /** Address on the veth inside the namespace (libvirtd listens and QEMU migrates here). */
  address: string;
  /** The namespace's end of the veth pair. */
  veth: string;
  /** libvirtd's TCP port. */
  tcpPort: number;
  /** QEMU's incoming-migration ports (disjoint between hosts). */
  migrationPorts: [number, number];
  /** First domain ID this host hands out (the hosts share one cgroup tree, named by ID). */
  firstDomainId: number;
}

export const LAB_HOSTS: readonly LabHostSpec[] = [
  {
    name: 'lab-a',
    address: '10.99.0.1',
    veth: 'vmplab-a',
    tcpPort: 16509,
    migrationPorts: [49152, 49215],
    firstDomainId: 1,
  },
  {
    name: 'lab-b',
    address: '10.99.0.2',
    veth: 'vmplab-b',
    tcpPort: 16509,
    migrationPorts: [49216, 49279],
    firstDomainId: 5001,
  },
];

export const LAB_PREFIX_LENGTH = 24;

/** Where `lab up` keeps its state by default (removed by `lab down`). */
export const DEFAULT_STATE_DIR = '/run/vmpilot-lab';

/** Network namespaces live here (`ip netns add`). */
export const NETNS_DIR = '/run/netns';

export const netnsPath = (host: string) => `${NETNS_DIR}/${host}`;

/** qemu+tcp URI of a host, reachable from inside the lab's namespaces. */
export const tcpUri = (h: LabHostSpec) => `qemu+tcp://${h.address}:${h.tcpPort}/system`;

/** The lab's guests are named lab-vm-1, lab-vm-2…; nothing else on the machine is. */
export const guestName = (i: number) => `lab-vm-${i}`;
