// Maps libvirt's virError onto the port's typed HypervisorError codes (pure).
import { HypervisorError, type HypervisorErrorCode } from '../hypervisor/errors';
import { VirErr } from './constants';

/** The parts of a virError that vmpilot keeps (copied out of libvirt's memory). */
export interface VirErrorInfo {
  /** virErrorNumber */
  code: number;
  /** virErrorDomain (which libvirt subsystem raised it) */
  domain: number;
  message: string;
}

/** A libvirt error as a JS Error: the `cause` of the HypervisorError the adapter throws. */
export class LibvirtError extends Error {
  override readonly name = 'LibvirtError';
  constructor(readonly info: VirErrorInfo) {
    super(`${info.message} (virErrorNumber ${info.code}, domain ${info.domain})`);
  }
}

/** virErrorDomain VIR_FROM_RPC: the client/server RPC layer. */
const VIR_FROM_RPC = 7;

const CODE_BY_VIR_ERR = new Map<number, HypervisorErrorCode>([
  [VirErr.NO_DOMAIN, 'not_found'],
  [VirErr.DEVICE_MISSING, 'not_found'],
  [VirErr.NO_SUPPORT, 'unsupported'],
  [VirErr.OPERATION_UNSUPPORTED, 'unsupported'],
  [VirErr.ARGUMENT_UNSUPPORTED, 'unsupported'],
  [VirErr.CONFIG_UNSUPPORTED, 'unsupported'],
  [VirErr.SYSTEM_ERROR, 'unreachable'],
  [VirErr.RPC, 'unreachable'],
  [VirErr.NO_CONNECT, 'unreachable'],
  [VirErr.INVALID_CONN, 'unreachable'],
  [VirErr.UNKNOWN_HOST, 'unreachable'],
  [VirErr.AUTH_FAILED, 'unreachable'],
  [VirErr.AUTH_CANCELLED, 'unreachable'],
  [VirErr.AUTH_UNAVAILABLE, 'unreachable'],
  [VirErr.INVALID_ARG, 'invalid'],
  [VirErr.OPERATION_INVALID, 'invalid'],
  [VirErr.XML_ERROR, 'invalid'],
  [VirErr.XML_DETAIL, 'invalid'],
  [VirErr.XML_INVALID_SCHEMA, 'invalid'],
  [VirErr.DOM_EXIST, 'invalid'],
  [VirErr.NO_NAME, 'invalid'],
  [VirErr.MIGRATE_UNSAFE, 'invalid'],
  [VirErr.OPERATION_TIMEOUT, 'transient'],
  [VirErr.AGENT_UNRESPONSIVE, 'transient'],
  [VirErr.RESOURCE_BUSY, 'transient'],
]);

/**
 * The port code of a libvirt error. VIR_ERR_SYSTEM_ERROR is libvirt's catch-all for a
 * failed system call: on a connection it means the socket broke (unreachable), but on a
 * file operation (save/restore) "No such file" is not_found and the rest a plain failure.
 */
export function hypervisorCodeOf(
  info: VirErrorInfo,
  during: 'connection' | 'call' = 'call',
): HypervisorErrorCode {
  if (info.code === VirErr.SYSTEM_ERROR && during === 'call') {
    if (/no such file|not found/i.test(info.message)) return 'not_found';
    if (!/connect|socket|broken pipe|end of file|reset by peer/i.test(info.message)) return 'failed';
  }
  if (info.code === VirErr.OPERATION_FAILED && /not running|is not active/i.test(info.message))
    return 'invalid';
  // The RPC layer's own failures ("client socket is closed", "connection reset") mean the
  // connection to libvirtd is gone, whatever code they carry.
  if (
    info.domain === VIR_FROM_RPC &&
    (info.code === VirErr.INTERNAL_ERROR || info.code === VirErr.SYSTEM_ERROR)
  ) {
    return 'unreachable';
  }
  // Bandwidth limits run `tc`; a host kernel without the qdisc (e.g. sch_sfq) cannot shape.
  if (/qdisc kind is unknown/i.test(info.message)) return 'unsupported';
  return CODE_BY_VIR_ERR.get(info.code) ?? 'failed';
}

/** Builds the HypervisorError for a failed libvirt call `what` (e.g. `virDomainSuspend(web1)`). */
export function toHypervisorError(
  what: string,
  info: VirErrorInfo | undefined,
  during: 'connection' | 'call' = 'call',
): HypervisorError {
  if (!info) return new HypervisorError('failed', `${what} failed (libvirt gave no error detail)`);
  return new HypervisorError(hypervisorCodeOf(info, during), `${what}: ${info.message}`, {
    cause: new LibvirtError(info),
  });
}
