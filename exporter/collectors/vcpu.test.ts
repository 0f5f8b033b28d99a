import { renderOneVm } from '../testing/collector-input';
import { vcpuCollector } from './vcpu';

describe('vcpu collector', () => {
  it('publishes counts and one time series per vCPU', () => {
    const text = renderOneVm(vcpuCollector, {
      vcpu: {
        current: 2,
        maximum: 4,
        perVcpu: [
          { id: 0, timeSeconds: 1.5, delaySeconds: 0.5, state: 1 },
          { id: 1, timeSeconds: 0.25, state: 2 },
        ],
      },
    });
    expect(text).toContain('vmpilot_domain_vcpus{host="h",domain="a",uuid="ua"} 2\n');
    expect(text).toContain('vmpilot_domain_vcpus_maximum{host="h",domain="a",uuid="ua"} 4\n');
    expect(text).toContain(
      'vmpilot_domain_vcpu_time_seconds_total{host="h",domain="a",uuid="ua",vcpu="0"} 1.5\n',
    );
    expect(text).toContain(
      'vmpilot_domain_vcpu_time_seconds_total{host="h",domain="a",uuid="ua",vcpu="1"} 0.25\n',
    );
    expect(text).toContain(
      'vmpilot_domain_vcpu_delay_seconds_total{host="h",domain="a",uuid="ua",vcpu="0"} 0.5\n',
    );
    // a hypervisor that does not report the delay: no series rather than a false 0
    expect(text).not.toContain(
      'vmpilot_domain_vcpu_delay_seconds_total{host="h",domain="a",uuid="ua",vcpu="1"}',
    );
    expect(text).toContain('vmpilot_domain_vcpu_state{host="h",domain="a",uuid="ua",vcpu="1"} 2\n');
  });
});
