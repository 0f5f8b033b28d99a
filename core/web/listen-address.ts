// Listen addresses as Go exporters take them (`--web.listen-address`): `HOST:PORT`,
// `[IPv6]:PORT`, and `:PORT` for every interface. The older `--listen` flag kept its own
// rule for `:PORT` — loopback only — so an existing command line never starts listening on
// the network after an upgrade.
export interface ListenAddress {
  /** undefined = every interface (IPv4 and IPv6). */
  host: string | undefined;
  port: number;
}

export type EmptyHost = 'all-interfaces' | 'loopback';

/** Parses `HOST:PORT`; `emptyHost` says what `:PORT` means. Throws a one-line Error. */
export function parseListenAddress(
  text: string,
  emptyHost: EmptyHost = 'all-interfaces',
  flag = '--web.listen-address',
): ListenAddress {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new Error(`${flag} "${text}": expected HOST:PORT or :PORT, e.g. 127.0.0.1:9177 or :9177`);
  const host = m[1].replace(/^\[(.*)\]$/, '$1');
  if (host !== '') return { host, port };
  return { host: emptyHost === 'loopback' ? '127.0.0.1' : undefined, port };
}

/** `HOST:PORT` text of a bound address (`[::]:9177` style for IPv6). */
export function formatHostPort(host: string | undefined, port: number): string {
  const h = host === undefined ? '0.0.0.0' : host;
  return `${h.includes(':') ? `[${h}]` : h}:${port}`;
}
