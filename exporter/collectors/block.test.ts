import { renderOneVm } from '../testing/collector-input';
import { blockCollector } from './block';

describe('block collector', () => {
  it('publishes per-device counters labelled by device', () => {
    const text = renderOneVm(blockCollector, {
      blocks: [
        {
          device: 'vda',
          readBytes: 100,
          writeBytes: 200,
          readOps: 3,
          writeOps: 4,
          readTimeSeconds: 0.5,
        },
        { device: 'vdb', readBytes: 1, writeBytes: 2, readOps: 5, writeOps: 6, capacityBytes: 1e9 },
      ],
    });
    const l = (d: string) => `{host="h",domain="a",uuid="ua",device="${d}"}`;
    expect(text).toContain(`vmpilot_domain_block_read_bytes_total${l('vda')} 100\n`);
    expect(text).toContain(`vmpilot_domain_block_write_bytes_total${l('vda')} 200\n`);
    expect(text).toContain(`vmpilot_domain_block_read_requests_total${l('vdb')} 5\n`);
    expect(text).toContain(`vmpilot_domain_block_write_requests_total${l('vdb')} 6\n`);
    expect(text).toContain(`vmpilot_domain_block_read_time_seconds_total${l('vda')} 0.5\n`);
    expect(text).not.toContain(`vmpilot_domain_block_read_time_seconds_total${l('vdb')}`);
    expect(text).toContain(`vmpilot_domain_block_capacity_bytes${l('vdb')} 1000000000\n`);
  });
});
