// `vmpilot config check --prometheus [URL]`: every configured query checked by a running
// Prometheus (its own parser and type checker, /api/v1/format_query), which catches what the
// grammar alone lets through: `rate(x)` without a range, a function given the wrong type.
import { httpClientOptions } from '../../core/web/http-client';
import { PrometheusApi } from '../sources/prometheus-api';
import type { LoadedConfig } from './load';
import { rateWindowOf } from './schema';
import { configuredQueries } from './semantics';

/**
 * One line per query Prometheus refuses, naming the config key. `url`: default the
 * configured one (whose credentials are used; another URL is asked without them). Rejects
 * with a PrometheusApiError when Prometheus cannot be asked.
 */
export async function promqlRemoteErrors(cfg: LoadedConfig, url = cfg.prometheus.url): Promise<string[]> {
  const own = url.replace(/\/+$/, '') === cfg.prometheus.url.replace(/\/+$/, '');
  const api = new PrometheusApi({
    url,
    timeoutMs: cfg.prometheus.timeoutSeconds * 1000,
    ...(own ? { http: httpClientOptions(cfg.prometheus.http, cfg.baseDir) } : {}),
  });
  const errors: string[] = [];
  for (const [key, query] of configuredQueries(cfg, rateWindowOf(cfg))) {
    const e = await api.queryError(query);
    if (e) errors.push(`${key}: Prometheus refuses ${JSON.stringify(query)}: ${e}`);
  }
  return errors;
}
