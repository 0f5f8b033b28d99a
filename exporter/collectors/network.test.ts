import { renderOneVm } from '../testing/collector-input';
import { networkCollector } from './network';

describe('network collector', () => {
  it('publishes per-interface receive/transmit counters', () => {
    const text = renderOneVm(networkCollector, {
      nets: [
        {
          device: 'vnet0',
          rxBytes: 10,
          rxPackets: 1,
          rxDrops: 0,
          rxErrors: 2,
          txBytes: 20,
          txPackets: 3,
          txDrops: 4,
        },
      ],
    });
    const l = '{host="h",domain="a",uuid="ua",interface="vnet0"}';
    expect(text).toContain(`vmpilot_domain_network_receive_bytes_total${l} 10\n`);
    expect(text).toContain(`vmpilot_domain_network_receive_packets_total${l} 1\n`);
    expect(text).toContain(`vmpilot_domain_network_receive_drops_total${l} 0\n`);
    expect(text).toContain(`vmpilot_domain_network_receive_errors_total${l} 2\n`);
    expect(text).toContain(`vmpilot_domain_network_transmit_bytes_total${l} 20\n`);
    expect(text).toContain(`vmpilot_domain_network_transmit_packets_total${l} 3\n`);
    expect(text).toContain(`vmpilot_domain_network_transmit_drops_total${l} 4\n`);
    expect(text).not.toContain('transmit_errors');
  });
});
