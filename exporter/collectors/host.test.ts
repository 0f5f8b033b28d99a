import { renderFamilies } from '../metrics';
import { hostCollector } from './host';

describe('host collector', () => {
  it('publishes CPUs, frequency, memory, CPU time by mode and the domain count', () => {
    const text = renderFamilies(
      hostCollector.collect({
        host: 'kvm1',
        hostInfo: {
          name: 'kvm1',
          uri: 'qemu:///system',
          cpus: 8,
          mhz: 2400,
          memoryBytes: 16e9,
          memoryFreeBytes: 4e9,
          cpuSecondsByMode: { user: 10, idle: 100, kernel: 7 },
        },
        stats: {
          host: 'kvm1',
          collectedAtMs: 0,
          vms: [
            { name: 'a', uuid: 'u', state: 'running' },
            { name: 'b', uuid: 'v', state: 'shutoff' },
          ],
        },
      }),
    );
    expect(text).toContain('vmpilot_host_cpus{host="kvm1"} 8\n');
    expect(text).toContain('vmpilot_host_cpu_mhz{host="kvm1"} 2400\n');
    expect(text).toContain('vmpilot_host_memory_total_bytes{host="kvm1"} 16000000000\n');
    expect(text).toContain('vmpilot_host_memory_free_bytes{host="kvm1"} 4000000000\n');
    expect(text).toContain('vmpilot_host_cpu_seconds_total{host="kvm1",mode="idle"} 100\n');
    expect(text).toContain('vmpilot_host_cpu_seconds_total{host="kvm1",mode="user"} 10\n');
    expect(text).toContain('vmpilot_host_domains{host="kvm1"} 2\n');
    expect(text).toContain('vmpilot_host_domains_active{host="kvm1"} 1\n');
    // New names (base unit, node_exporter's mode names) beside the deprecated ones.
    expect(text).toContain('vmpilot_host_cpu_hertz{host="kvm1"} 2400000000\n');
    expect(text).toContain('vmpilot_host_cpu_time_seconds_total{host="kvm1",mode="system"} 7\n');
    expect(text).toContain('vmpilot_host_cpu_seconds_total{host="kvm1",mode="kernel"} 7\n');
    expect(text).not.toContain('vmpilot_host_cpu_time_seconds_total{host="kvm1",mode="kernel"}');
  });

  it('leaves out what the backend does not report and throws without host info', () => {
    const text = renderFamilies(
      hostCollector.collect({
        host: 'x',
        hostInfo: { name: 'x', uri: 'test:///default', cpus: 2, mhz: 0, memoryBytes: 1 },
      }),
    );
    expect(text).not.toContain('memory_free');
    expect(text).not.toContain('cpu_seconds_total');
    expect(() => hostCollector.collect({ host: 'x' })).toThrow(/no host info/);
  });
});
