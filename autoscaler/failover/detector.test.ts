import { FailureDetector } from './detector';

const check = (host: string, exporterDown: boolean, libvirtDown: boolean) => ({
  host,
  exporterDown,
  libvirtDown,
});

describe('failed-host detection', () => {
  it('fails a host only when exporter and libvirt both say down in k of the last n checks', () => {
    const d = new FailureDetector(2, 3);
    d.record([check('a', true, true)]);
    expect(d.isFailed('a')).toBe(false);
    d.record([check('a', false, true)]); // the exporter still sees it: not a down check
    expect(d.isFailed('a')).toBe(false);
    d.record([check('a', true, true)]);
    expect(d.isFailed('a')).toBe(true);
    expect([...d.failedHosts()]).toEqual(['a']);
  });

  it('a partition only Prometheus sees (libvirt answers) is never a failure', () => {
    const d = new FailureDetector(1, 1);
    for (let i = 0; i < 5; i++) d.record([check('a', true, false)]);
    expect(d.isFailed('a')).toBe(false);
  });

  it('a partition only vmpilot sees (the exporter reports the host up) is never a failure', () => {
    const d = new FailureDetector(1, 1);
    for (let i = 0; i < 5; i++) d.record([check('a', false, true)]);
    expect(d.isFailed('a')).toBe(false);
  });

  it('recovers once fewer than k of the last n checks are down', () => {
    const d = new FailureDetector(2, 3);
    d.record([check('a', true, true)]);
    d.record([check('a', true, true)]);
    expect(d.isFailed('a')).toBe(true);
    d.record([check('a', false, false)]);
    expect(d.isFailed('a')).toBe(true); // 2 of the last 3
    d.record([check('a', false, false)]);
    expect(d.isFailed('a')).toBe(false);
  });
});
