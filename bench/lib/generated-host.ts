// A libvirt test-driver host file with `n` running domains (td-0 … td-N-1), each with one
// NIC and a balloon: for the exporter's benchmark at 1,000 domains and the memory tests.
// test:///ABSOLUTE/PATH.xml opens it (the driver keeps the host in memory, per connection).
export function testDriverHostXml(n: number): string {
  const doms = Array.from({ length: n }, (_, i) => {
    const id = String(i).padStart(12, '0');
    return `  <domain type='test'>
    <name>td-${i}</name>
    <uuid>00000000-0000-4000-8000-${id}</uuid>
    <memory unit='MiB'>1024</memory>
    <currentMemory unit='MiB'>1024</currentMemory>
    <vcpu current='1'>2</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
    <devices>
      <interface type='network'><source network='default'/><target dev='vnet${i}'/></interface>
      <memballoon model='virtio'/>
    </devices>
  </domain>`;
  });
  return `<?xml version='1.0'?>
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>64</cores><threads>1</threads><active>64</active><mhz>2400</mhz><model>x86_64</model></cpu>
  <memory>1073741824</memory>
${doms.join('\n')}
</node>
`;
}
