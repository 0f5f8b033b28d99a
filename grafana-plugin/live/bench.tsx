// Cluster-view benchmark page (npm run bench -- cluster-view): the built plugin's panel,
// view "cluster", on a synthetic cluster of ?hosts=N hosts × ?vms=M VMs. Each run mounts
// the panel afresh and times it until the browser has laid out and painted (two animation
// frames); results land in window.__bench.
import './boot';
import './element-styles';
import React from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { LoadingState, ThemeContext, createTheme, dateTime, type PanelPlugin, type PanelProps } from '@grafana/data';
import { DEFAULT_OPTIONS, type VmpilotOptions } from '../src/types';
import { loadPlugin } from './amd';
import { shared } from './shared';
import { syntheticCluster } from './synthetic';

const params = new URLSearchParams(window.location.search);
const hosts = Number(params.get('hosts') ?? 100);
const vms = Number(params.get('vms') ?? 10);
const runs = Number(params.get('runs') ?? 5);
const theme = createTheme({ colors: { mode: params.get('theme') === 'light' ? 'light' : 'dark' } });
const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));

async function main() {
  const exports = await loadPlugin('./plugin/module.js', shared);
  const Panel = (exports.plugin as PanelPlugin).panel as unknown as React.ComponentType<PanelProps<VmpilotOptions>>;
  const now = Date.now();
  const series = syntheticCluster(hosts, vms, now);
  const timeRange = { from: dateTime(now - 15 * 60_000), to: dateTime(now), raw: { from: 'now-15m', to: 'now' } };
  const root = createRoot(document.getElementById('root') as HTMLElement);
  const renderMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    flushSync(() => root.render(<div key="empty" />));
    await frame();
    const t0 = performance.now();
    flushSync(() =>
      root.render(
        <ThemeContext.Provider key={i} value={theme}>
          <div style={{ background: theme.colors.background.primary }}>
            <Panel
              {...({} as PanelProps<VmpilotOptions>)}
              id={1}
              data={{ series, state: LoadingState.Done, timeRange }}
              timeRange={timeRange}
              timeZone="utc"
              options={{ ...DEFAULT_OPTIONS, view: 'cluster' }}
              fieldConfig={{ defaults: {}, overrides: [] }}
              width={1400}
              height={560}
            />
          </div>
        </ThemeContext.Provider>
      )
    );
    await frame();
    await frame();
    renderMs.push(performance.now() - t0);
  }
  const vmCount = document.querySelectorAll('[data-testid="vmpilot-cluster-vm"]').length;
  const hostCount = document.querySelectorAll('[data-testid="vmpilot-cluster-host"]').length;
  (window as unknown as { __bench: unknown }).__bench = { hosts: hostCount, vms: vmCount, renderMs };
}

main().catch((e: unknown) => {
  (window as unknown as { __bench: unknown }).__bench = { error: e instanceof Error ? e.message : String(e) };
});
