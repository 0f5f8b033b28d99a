import { HypervisorError } from '../hypervisor/errors';
import { VirErr } from './constants';
import { hypervisorCodeOf, LibvirtError, toHypervisorError } from './errors';

const err = (code: number, message = 'x') => ({ code, domain: 10, message });

describe('hypervisorCodeOf', () => {
  it.each([
    [VirErr.NO_DOMAIN, 'not_found'],
    [VirErr.NO_SUPPORT, 'unsupported'],
    [VirErr.OPERATION_UNSUPPORTED, 'unsupported'],
    [VirErr.ARGUMENT_UNSUPPORTED, 'unsupported'],
    [VirErr.RPC, 'unreachable'],
    [VirErr.NO_CONNECT, 'unreachable'],
    [VirErr.OPERATION_INVALID, 'invalid'],
    [VirErr.INVALID_ARG, 'invalid'],
    [VirErr.OPERATION_TIMEOUT, 'transient'],
    [VirErr.AGENT_UNRESPONSIVE, 'transient'],
    [VirErr.INTERNAL_ERROR, 'failed'],
  ])('virErrorNumber %i → %s', (code, expected) => {
    expect(hypervisorCodeOf(err(code))).toBe(expected);
  });

  it('splits VIR_ERR_SYSTEM_ERROR by what failed', () => {
    const refused = err(
      VirErr.SYSTEM_ERROR,
      "unable to connect to server at '127.0.0.1:1': Connection refused",
    );
    expect(hypervisorCodeOf(refused, 'connection')).toBe('unreachable');
    expect(hypervisorCodeOf(refused)).toBe('unreachable');
    expect(
      hypervisorCodeOf(err(VirErr.SYSTEM_ERROR, "Failed to open file '/x': No such file or directory")),
    ).toBe('not_found');
    expect(hypervisorCodeOf(err(VirErr.SYSTEM_ERROR, 'Permission denied'))).toBe('failed');
    expect(hypervisorCodeOf(err(VirErr.SYSTEM_ERROR, 'Permission denied'), 'connection')).toBe('unreachable');
  });

  it('treats RPC-layer failures as a lost connection', () => {
    expect(
      hypervisorCodeOf({
        code: VirErr.INTERNAL_ERROR,
        domain: 7,
        message: 'internal error: client socket is closed',
      }),
    ).toBe('unreachable');
    expect(
      hypervisorCodeOf({ code: VirErr.INTERNAL_ERROR, domain: 10, message: 'internal error: qemu died' }),
    ).toBe('failed');
  });

  it('calls a host without the tc qdisc libvirt needs unsupported', () => {
    const tc = err(
      VirErr.INTERNAL_ERROR,
      'internal error: Child process (tc qdisc add dev vnet1 parent 1:1 handle 2: sfq perturb 10) unexpected exit status 2: Error: Specified qdisc kind is unknown.',
    );
    expect(hypervisorCodeOf(tc)).toBe('unsupported');
  });
});

describe('toHypervisorError', () => {
  it("keeps libvirt's message and the virError as cause", () => {
    const e = toHypervisorError(
      'virDomainLookupByName(web1)',
      err(VirErr.NO_DOMAIN, "Domain not found: no domain with matching name 'web1'"),
    );
    expect(e).toBeInstanceOf(HypervisorError);
    expect(e.code).toBe('not_found');
    expect(e.message).toBe(
      "virDomainLookupByName(web1): Domain not found: no domain with matching name 'web1'",
    );
    expect(e.cause).toBeInstanceOf(LibvirtError);
    expect((e.cause as LibvirtError).info.code).toBe(VirErr.NO_DOMAIN);
  });

  it('says so when libvirt gave no detail', () => {
    const e = toHypervisorError('virDomainSuspend(a)', undefined);
    expect(e.code).toBe('failed');
    expect(e.message).toMatch(/no error detail/);
  });
});
