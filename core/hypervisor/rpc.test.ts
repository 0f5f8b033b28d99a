// The hypervisor port over HTTP (sim+http://): what a remote caller reads and changes is the
// served cluster itself, hypervisor errors keep their code, and every call is seen with
// its caller.
import { openSim } from '../sim/adapter';
import { connectHypervisors, parseHypervisorUri } from './connect';
import { isHypervisorError } from './errors';
import type { HypervisorPort } from './port';
import { serveHypervisor, type HypervisorServer, type RpcCall } from './rpc';

describe('sim+http:// — a hypervisor port served to other processes', () => {
  let local: HypervisorPort;
  let server: HypervisorServer;
  let remote: HypervisorPort;
  const calls: RpcCall[] = [];

  beforeAll(async () => {
    local = await openSim('sim://seed-experiment');
    server = await serveHypervisor(local, { host: '127.0.0.1', port: 0 }, (c) => calls.push(c));
    remote = await connectHypervisors([server.uri], { defaultTimeoutMs: 5000 });
  });
  afterAll(async () => {
    await remote?.close();
    await server?.close();
    await local?.close();
  });

  it('parses sim+http://HOST:PORT and refuses a path or a NAME= prefix', () => {
    expect(parseHypervisorUri('sim+http://127.0.0.1:9200')).toEqual({
      kind: 'remote',
      uri: 'sim+http://127.0.0.1:9200',
    });
    expect(() => parseHypervisorUri('sim+http://127.0.0.1:9200/x')).toThrow(
      /expected sim\+http:\/\/HOST:PORT/,
    );
    expect(() => parseHypervisorUri('a=sim+http://127.0.0.1:9200')).toThrow(/keeps its own host names/);
  });

  it('reads and changes the served cluster, and the server sees each call with its caller', async () => {
    const hosts = await remote.listHosts();
    expect(hosts.map((h) => h.name)).toEqual((await local.listHosts()).map((h) => h.name));
    const host = hosts[0].name;
    const vm = (await remote.listVms(host))[0];
    await remote.setMemory({ host, name: vm.name }, vm.memoryBytes / 2);
    expect((await local.getVm({ host, name: vm.name })).memoryBytes).toBe(vm.memoryBytes / 2);
    const seen = calls.find((c) => c.method === 'setMemory');
    expect(seen?.caller).toBe(String(process.pid));
    expect(seen?.args.slice(0, 2)).toEqual([{ host, name: vm.name }, vm.memoryBytes / 2]);
  });

  it('a hypervisor error crosses with its code', async () => {
    const host = (await remote.listHosts())[0].name;
    const err = await remote.getVm({ host, name: 'no-such-vm' }).catch((e: unknown) => e);
    expect(isHypervisorError(err, 'not_found')).toBe(true);
  });

  it('an unreachable server is "unreachable", not a hang', async () => {
    const gone = await serveHypervisor(local, { host: '127.0.0.1', port: 0 });
    await gone.close();
    const port = await connectHypervisors([gone.uri], { defaultTimeoutMs: 1000 });
    const err = await port.listHosts().catch((e: unknown) => e);
    expect(isHypervisorError(err, 'unreachable')).toBe(true);
  });
});
