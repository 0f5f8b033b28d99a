import { parseListenAddress } from './listen-address';

describe('parseListenAddress', () => {
  it('reads HOST:PORT and [IPv6]:PORT', () => {
    expect(parseListenAddress('127.0.0.1:9177')).toEqual({ host: '127.0.0.1', port: 9177 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddress('kvm-a.example:9177')).toEqual({ host: 'kvm-a.example', port: 9177 });
  });

  it(':PORT is every interface for --web.listen-address, loopback for the old --listen', () => {
    expect(parseListenAddress(':9177')).toEqual({ host: undefined, port: 9177 });
    expect(parseListenAddress(':9177', 'loopback', '--listen')).toEqual({ host: '127.0.0.1', port: 9177 });
  });

  it('rejects bad addresses naming the flag', () => {
    expect(() => parseListenAddress('localhost')).toThrow(
      /--web.listen-address "localhost": expected HOST:PORT/,
    );
    expect(() => parseListenAddress('h:70000', 'loopback', '--listen')).toThrow(/--listen "h:70000"/);
  });
});
