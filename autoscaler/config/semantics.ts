// What a config must mean beyond its fields' types (issue 17): periods Node can time, the
// planner's k-of-n within the history the source fetches, no hypervisor twice, no port
// twice, PromQL that parses. Errors refuse the config (at `config check` and at start);
// warnings (a listener open beyond loopback without a token) are printed and logged.
import { parser } from '@prometheus-io/lezer-promql';
import { parseHypervisorUri } from '../../core/hypervisor/connect';
import { hostNameFromUri } from '../../core/libvirt/host-name';
import type { PlannerConfig } from '../decision/config';
import { expandQuery } from './queries';
import { splitListen, type ServiceConfig } from './schema';

/** setTimeout's largest delay (a 32-bit signed count of ms); beyond it Node fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The shortest T2 a loop can keep (shorter periods only spin). */
export const MIN_PERIOD_SECONDS = 0.01;

type Checked = Pick<
  ServiceConfig,
  'hypervisors' | 'prometheus' | 'vms' | 'listen' | 'exporter' | 'authTokenFile'
> & {
  planner: PlannerConfig;
};

/** Every `…Seconds` field anywhere in the config, with its dotted path. */
function periods(v: unknown, at: string[] = []): [string, number][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => periods(x, [...at, String(i)]));
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) =>
    typeof x === 'number' && /Seconds$/.test(k) ? [[[...at, k].join('.'), x]] : periods(x, [...at, k]),
  ) as [string, number][];
}

/** Where a query does not parse as PromQL, or undefined. */
export function promqlError(query: string): string | undefined {
  let at: number | undefined;
  parser.parse(query).iterate({
    enter: (n) => {
      if (at === undefined && n.type.isError) at = n.from;
      return at === undefined;
    },
  });
  if (at === undefined) return undefined;
  const near = query.slice(Math.max(0, at - 10), at + 10);
  return `not valid PromQL at character ${at + 1} (near "${near}")`;
}

export function semanticErrors(cfg: Checked): string[] {
  const errors: string[] = [];
  for (const [where, s] of periods(cfg)) {
    if (!Number.isFinite(s) || s * 1000 > MAX_TIMER_MS)
      errors.push(
        `${where}: ${s} s is longer than Node's timer limit (${Math.floor(MAX_TIMER_MS / 1000)} s)`,
      );
  }
  if (cfg.planner.t2Seconds < MIN_PERIOD_SECONDS)
    errors.push(`planner.t2Seconds: ${cfg.planner.t2Seconds} s is shorter than ${MIN_PERIOD_SECONDS} s`);
  if (cfg.prometheus.scrapeIntervalSeconds < MIN_PERIOD_SECONDS)
    errors.push(`prometheus.scrapeIntervalSeconds: shorter than ${MIN_PERIOD_SECONDS} s`);
  const { k, n } = cfg.planner;
  if (cfg.prometheus.historyPoints < n)
    errors.push(
      `prometheus.historyPoints: ${cfg.prometheus.historyPoints} points cannot hold the planner's n = ${n} (k = ${k}): the hotspot rule could never fire`,
    );
  const uris = new Map<string, number>();
  const names = new Map<string, number>();
  cfg.hypervisors.forEach((spec, i) => {
    let p: ReturnType<typeof parseHypervisorUri>;
    try {
      p = parseHypervisorUri(spec);
    } catch {
      return; // the schema already named it
    }
    if (uris.has(p.uri)) errors.push(`hypervisors.${i}: ${p.uri} is already hypervisors.${uris.get(p.uri)}`);
    else uris.set(p.uri, i);
    if (p.name !== undefined) {
      if (names.has(p.name))
        errors.push(`hypervisors.${i}: host name "${p.name}" is already hypervisors.${names.get(p.name)}`);
      else names.set(p.name, i);
    }
  });
  errors.push(...exporterMapErrors(cfg));
  errors.push(...unknownHostErrors(cfg));
  if (cfg.exporter) {
    const api = splitListen(cfg.listen);
    const exp = splitListen(cfg.exporter.listen);
    if (api.port !== 0 && api.port === exp.port)
      errors.push(`exporter.listen: port ${exp.port} is also the API's (listen: ${cfg.listen})`);
  }
  for (const [key, q] of configuredQueries(cfg, '1m')) {
    const e = promqlError(q);
    if (e) errors.push(`${key}: ${e}`);
  }
  return errors;
}

/**
 * Host names in the operator constraints (issue 14: planner.pins, planner.ignoredHosts) the
 * cluster cannot have: checkable only when the config lists every host, i.e. one exporter per
 * host (`prometheus.exporters`); otherwise hosts are discovered at run time.
 */
function unknownHostErrors(cfg: Checked): string[] {
  const known = cfg.prometheus.exporters;
  if (!known) return [];
  const errors: string[] = [];
  const check = (key: string, host: string) => {
    if (!Object.hasOwn(known, host))
      errors.push(
        `${key}: unknown host "${host}" (prometheus.exporters lists ${Object.keys(known).join(', ')})`,
      );
  };
  cfg.planner.pins.forEach((p, i) => p.hosts.forEach((h, j) => check(`planner.pins.${i}.hosts.${j}`, h)));
  cfg.planner.ignoredHosts.forEach((h, i) => check(`planner.ignoredHosts.${i}`, h));
  return errors;
}

/**
 * Every PromQL query of the config with its key (`prometheus.queries.vmCpu`,
 * `vms.web1.sli.query`), `$window` replaced by `window` and `$vm`/`$host` by stand-ins.
 */
export function configuredQueries(
  cfg: Pick<Checked, 'prometheus' | 'vms'>,
  window: string,
): [key: string, query: string][] {
  const vars = { window, vm: 'vm', host: 'host' };
  const out: [string, string][] = Object.entries(cfg.prometheus.queries).map(([name, q]) => [
    `prometheus.queries.${name}`,
    expandQuery(q, vars),
  ]);
  for (const [vm, o] of Object.entries(cfg.vms)) {
    const per: [string, string | undefined][] = [
      ['sli.query', o.sli?.query],
      ['requestsQuery', o.requestsQuery],
      ['responsesQuery', o.responsesQuery],
      ['responseTimeQuery', o.responseTimeQuery],
    ];
    for (const [field, q] of per) if (q !== undefined) out.push([`vms.${vm}.${field}`, expandQuery(q, vars)]);
  }
  return out;
}

/**
 * The host names the hypervisor URIs give (NAME=, or the server of a remote URI), or
 * undefined when one of them is only known once connected (qemu:///system, sim://).
 */
function hypervisorNames(hypervisors: readonly string[]): string[] | undefined {
  const names: string[] = [];
  for (const spec of hypervisors) {
    let p: ReturnType<typeof parseHypervisorUri>;
    try {
      p = parseHypervisorUri(spec);
    } catch {
      return undefined;
    }
    const name = p.kind === 'libvirt' ? hostNameFromUri(p.uri, p.name) : (p.name ?? null);
    if (name === null) return undefined;
    names.push(name);
  }
  return names;
}

/** `prometheus.exporters`: one instance per host, and hosts the hypervisors know. */
function exporterMapErrors(cfg: Checked): string[] {
  const map = cfg.prometheus.exporters;
  if (!map) return [];
  const errors: string[] = [];
  const byAddress = new Map<string, string>();
  for (const [host, address] of Object.entries(map)) {
    const key = address.toLowerCase();
    const other = byAddress.get(key);
    if (other !== undefined)
      errors.push(`prometheus.exporters.${host}: ${address} is already the exporter of host "${other}"`);
    else byAddress.set(key, host);
  }
  const names = hypervisorNames(cfg.hypervisors);
  if (names)
    for (const host of Object.keys(map))
      if (!names.includes(host))
        errors.push(
          `prometheus.exporters.${host}: no hypervisor is named "${host}" (hypervisors: ${names.join(', ')}; name one with NAME=URI)`,
        );
  return errors;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Things that work but are probably not meant: printed by `config check`, logged at start. */
export function configWarnings(cfg: Checked): string[] {
  const warnings: string[] = [];
  const api = splitListen(cfg.listen).host;
  if (!LOOPBACK.test(api) && cfg.authTokenFile === undefined)
    warnings.push(
      `listen: ${cfg.listen} is reachable beyond this machine and no authTokenFile is set: plans and events are readable by anyone who reaches it (set authTokenFile, and TLS with --web.config.file)`,
    );
  if (cfg.exporter && !LOOPBACK.test(splitListen(cfg.exporter.listen).host))
    warnings.push(
      `exporter.listen: ${cfg.exporter.listen} is reachable beyond this machine without TLS or authentication (use --web.config.file)`,
    );
  const map = cfg.prometheus.exporters;
  const names = map ? hypervisorNames(cfg.hypervisors) : undefined;
  if (map && names) {
    const missing = names.filter((n) => map[n] === undefined);
    if (missing.length)
      warnings.push(
        `prometheus.exporters: no exporter address for ${missing.join(', ')}: their series cannot be mapped to them and they stay held (no_data)`,
      );
  }
  return warnings;
}
