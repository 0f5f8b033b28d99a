// The live view: the built plugin's panel component in four panels (cluster, VM points,
// tuning events, migration timelines) over the autoscaler's live data, refreshed every
// few seconds. URL parameters: theme=dark|light, range=MINUTES (15), refresh=SECONDS (5),
// tz=browser|utc|IANA name, sort=points|priority (VM points), color=points|serviceLevel
// (cluster), fieldConfig=JSON (added to each panel's field config, dashboard.ts). Sort and
// colour also have on-screen controls (Grafana's RadioButtonGroup) that write the choice
// back into the URL, so a reload or a shared link keeps it. Each panel's options and field
// config are the shipped dashboard's panel of that view (bundled at build time).
import React, { useEffect, useState } from 'react';
import { RadioButtonGroup } from '@grafana/ui';
import { css } from '@emotion/css';
import { LoadingState, ThemeContext, createTheme, dateTime, type DataFrame, type PanelProps } from '@grafana/data';
import { DEFAULT_OPTIONS, type VmpilotOptions } from '../src/types';
import pluginJson from '../src/plugin.json';
import dashboardJson from '../../dashboards/vmpilot-overview.json?raw';
import { readAll } from './data';
import { dashboardPanels, withFieldConfigParam, type PanelSetup } from './dashboard';
import './element-styles';

type Panel = React.ComponentType<PanelProps<VmpilotOptions>>;

const params = new URLSearchParams(window.location.search);
const mode = params.get('theme') === 'light' ? 'light' : 'dark';
const rangeMs = Math.max(1, Number(params.get('range') ?? 15)) * 60_000;
const refreshMs = Math.max(1, Number(params.get('refresh') ?? 5)) * 1000;
const timeZone = params.get('tz') ?? 'browser';
const initialSort: VmpilotOptions['sortBy'] = params.get('sort') === 'priority' ? 'priority' : 'points';
const initialColor: VmpilotOptions['clusterColor'] = params.get('color') === 'serviceLevel' ? 'serviceLevel' : 'points';
const SORT_OPTIONS: Array<{ label: string; value: VmpilotOptions['sortBy'] }> = [
  { label: 'Points', value: 'points' },
  { label: 'Priority', value: 'priority' },
];
const COLOR_OPTIONS: Array<{ label: string; value: VmpilotOptions['clusterColor'] }> = [
  { label: 'Points', value: 'points' },
  { label: 'Service level', value: 'serviceLevel' },
];

/** Writes one URL parameter in place (no new history entry, no reload). */
function setParam(name: string, value: string) {
  const url = new URL(window.location.href);
  url.searchParams.set(name, value);
  window.history.replaceState(null, '', url);
}
const theme = createTheme({ colors: { mode } });
const dashboard = dashboardPanels(dashboardJson, pluginJson.id);

/** The view's panel from the dashboard with the URL's field config added; or the error that prevents it. */
function setupOf(view: VmpilotOptions['view']): PanelSetup | { error: string } {
  const fromDashboard = dashboard.get(view) ?? { options: {}, fieldConfig: { defaults: {}, overrides: [] } };
  try {
    return {
      ...fromDashboard,
      fieldConfig: withFieldConfigParam(fromDashboard.fieldConfig, params.get('fieldConfig')),
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

const styles = {
  page: css({
    background: theme.colors.background.canvas,
    color: theme.colors.text.primary,
    fontFamily: theme.typography.fontFamily,
    minHeight: '100vh',
    padding: theme.spacing(1),
    boxSizing: 'border-box',
  }),
  bar: css({ display: 'flex', gap: theme.spacing(2), alignItems: 'baseline', marginBottom: theme.spacing(1) }),
  title: css({ fontSize: theme.typography.h4.fontSize, margin: 0 }),
  control: css({
    display: 'flex',
    gap: theme.spacing(0.5),
    alignItems: 'center',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  status: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  error: css({ color: theme.colors.error.text }),
  grid: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1) }),
  panel: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1),
  }),
  panelTitle: css({
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    marginBottom: 4,
  }),
};

interface Slot {
  view: VmpilotOptions['view'];
  title: string;
  width: number;
  height: number;
}

function slots(pageWidth: number): Slot[] {
  const full = Math.max(600, pageWidth - 40);
  const half = Math.floor((full - 24) / 2);
  return [
    { view: 'cluster', title: 'Cluster', width: full, height: 360 },
    { view: 'points', title: 'VM points', width: half, height: 470 },
    { view: 'events', title: 'Tuning events', width: half, height: 200 },
    { view: 'migrations', title: 'Migration timelines', width: half, height: 240 },
  ];
}

export function App({ Panel }: { Panel: Panel }) {
  const [series, setSeries] = useState<DataFrame[]>([]);
  const [range, setRange] = useState(() => ({ from: Date.now() - rangeMs, to: Date.now() }));
  const [status, setStatus] = useState<{ at?: number; error?: string }>({});
  const [sortBy, setSortBy] = useState(initialSort);
  const [clusterColor, setClusterColor] = useState(initialColor);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const to = Date.now();
      const from = to - rangeMs;
      try {
        const frames = await readAll(from, to);
        if (!stopped) {
          setSeries(frames);
          setRange({ from, to });
          setStatus({ at: to });
        }
      } catch (e) {
        // Keep the last data; say why it is not fresh.
        if (!stopped) {
          setStatus((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) }));
        }
      }
      if (!stopped) {
        timer = setTimeout(tick, refreshMs);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  const timeRange = {
    from: dateTime(range.from),
    to: dateTime(range.to),
    raw: { from: `now-${rangeMs / 60_000}m`, to: 'now' },
  };
  const data = { series, state: LoadingState.Done, timeRange };
  return (
    <ThemeContext.Provider value={theme}>
      <div className={styles.page} data-testid="live-page" data-theme={mode}>
        <div className={styles.bar}>
          <h1 className={styles.title}>vmpilot — live</h1>
          <span className={styles.status} data-testid="live-status" data-refreshed={status.at ?? ''}>
            {status.at
              ? `updated ${new Date(status.at).toLocaleTimeString()}, every ${refreshMs / 1000} s, last ${rangeMs / 60_000} min`
              : 'loading…'}
          </span>
          <div className={styles.control} data-testid="live-sort">
            VM points by
            <RadioButtonGroup
              size="sm"
              options={SORT_OPTIONS}
              value={sortBy}
              onChange={(v) => {
                setSortBy(v);
                setParam('sort', v);
              }}
            />
          </div>
          <div className={styles.control} data-testid="live-color">
            Cluster coloured by
            <RadioButtonGroup
              size="sm"
              options={COLOR_OPTIONS}
              value={clusterColor}
              onChange={(v) => {
                setClusterColor(v);
                setParam('color', v);
              }}
            />
          </div>
          {status.error && (
            <span className={styles.error} data-testid="live-error">
              {status.error}
            </span>
          )}
        </div>
        <div className={styles.grid}>
          {slots(window.innerWidth).map((s) => {
            const setup = setupOf(s.view);
            return (
              <section key={s.view} className={styles.panel} data-testid="live-panel" data-view={s.view}>
                <div className={styles.panelTitle}>{s.title}</div>
                {'error' in setup ? (
                  <div className={styles.error} data-testid="live-error">
                    {setup.error}
                  </div>
                ) : (
                  <Panel
                    {...({} as PanelProps<VmpilotOptions>)}
                    id={1}
                    title={s.title}
                    data={data}
                    timeRange={timeRange}
                    timeZone={timeZone}
                    // The dashboard's refIds are the page's query names (dashboard.test.ts checks it).
                    options={{ ...DEFAULT_OPTIONS, ...setup.options, view: s.view, sortBy, clusterColor }}
                    fieldConfig={setup.fieldConfig}
                    width={s.width}
                    height={s.height}
                    transparent={false}
                    renderCounter={0}
                    replaceVariables={(v: string) => v}
                    onOptionsChange={() => undefined}
                    onFieldConfigChange={() => undefined}
                    onChangeTimeRange={() => undefined}
                  />
                )}
              </section>
            );
          })}
        </div>
      </div>
    </ThemeContext.Provider>
  );
}
