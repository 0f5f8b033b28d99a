import { hostNameFromUri } from './host-name';

describe('hostNameFromUri', () => {
  it.each([
    ['test:///default', 'default'],
    ['test:///work/fixtures/hosts/rack-a.xml', 'rack-a'],
    ['qemu+ssh://root@kvm3.example.org/system', 'kvm3.example.org'],
    ['qemu+tcp://10.99.0.2:16509/system', '10.99.0.2'],
    ['qemu+tls://[fd00::2]/system?no_verify=1', 'fd00::2'],
    ['qemu:///system', null],
    ['qemu+unix:///system?socket=/run/x.sock', null],
  ])('%s → %s', (uri, name) => {
    expect(hostNameFromUri(uri)).toBe(name);
  });

  it('prefers the explicit name', () => {
    expect(hostNameFromUri('qemu:///system', 'node7')).toBe('node7');
  });
});
