import { promtoolCheck, PROMTOOL } from '../../test/exporter/scrape-text';
import { requireTool } from '../../test/helpers/require-tool';
import { renderOneVm } from '../testing/collector-input';
import { blockCollector } from './block';

describe('block collector', () => {
  const text = renderOneVm(blockCollector, {
    blocks: [
      {
        device: 'vda',
        readBytes: 100,
        writeBytes: 200,
        readOps: 3,
        writeOps: 4,
        readTimeSeconds: 0.5,
        writeTimeSeconds: 1.25,
        flushOps: 7,
        flushTimeSeconds: 0.75,
      },
      { device: 'vdb', readBytes: 1, writeBytes: 2, readOps: 5, writeOps: 6, capacityBytes: 1e9 },
    ],
  });
  const l = (d: string) => `{host="h",domain="a",uuid="ua",device="${d}"}`;

  it('publishes per-device counters labelled by device', () => {
    expect(text).toContain(`vmpilot_domain_block_read_bytes_total${l('vda')} 100\n`);
    expect(text).toContain(`vmpilot_domain_block_write_bytes_total${l('vda')} 200\n`);
    expect(text).toContain(`vmpilot_domain_block_read_requests_total${l('vdb')} 5\n`);
    expect(text).toContain(`vmpilot_domain_block_write_requests_total${l('vdb')} 6\n`);
    expect(text).toContain(`vmpilot_domain_block_read_time_seconds_total${l('vda')} 0.5\n`);
    expect(text).not.toContain(`vmpilot_domain_block_read_time_seconds_total${l('vdb')}`);
    expect(text).toContain(`vmpilot_domain_block_capacity_bytes${l('vdb')} 1000000000\n`);
  });

  it('publishes the time block I/O took — read, write and flush — as counters in seconds', () => {
    expect(text).toContain(`vmpilot_domain_block_write_time_seconds_total${l('vda')} 1.25\n`);
    expect(text).toContain('# TYPE vmpilot_domain_block_flush_time_seconds_total counter\n');
    expect(text).toContain(`vmpilot_domain_block_flush_time_seconds_total${l('vda')} 0.75\n`);
    expect(text).toContain(`vmpilot_domain_block_flush_requests_total${l('vda')} 7\n`);
    // A hypervisor that does not report flushes (fl.times absent): no sample, not a zero.
    expect(text).not.toContain(`vmpilot_domain_block_flush_time_seconds_total${l('vdb')}`);
  });

  it('passes promtool check metrics with zero complaints', async () => {
    requireTool(PROMTOOL, 'prometheus');
    const r = await promtoolCheck(text);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });
});
