// Cluster view: hosts as columns, their VMs stacked and sized by memory, coloured by
// points (the field config's thresholds) or by service level; hotspot hosts marked; the
// migration in flight as an arrow with a progress marker, the last moves as arrows fading
// out. Clicking a VM lists its recent events with their reasons and its priority. The
// colours' legend is Grafana's VizLegend, the hovered VM's numbers a @grafana/ui Tooltip.
// When the hosts do not fit at a readable column width (100 hosts), a zoom control
// (RadioButtonGroup) switches between "fit" (every host in the panel's width: an overview
// whose narrow columns drop their text but keep colours, hotspot marks and tooltips; the
// default) and "detail" (a minimum column width, the view scrolls sideways). The arrows'
// labels are laid out by move-labels.ts: inside the drawing, none over another, the
// running migration's first; one without room is left to its arrow's tooltip.
import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, formattedValueToString, getValueFormat, type GrafanaTheme2 } from '@grafana/data';
import {
  LegendDisplayMode,
  RadioButtonGroup,
  Tooltip,
  VizLegend,
  measureText,
  useStyles2,
  useTheme2,
} from '@grafana/ui';
import type { ClusterColor, ColorScheme } from '../types';
import { vmEvents, type ClusterModel, type ClusterMove, type ClusterVm } from '../data/cluster';
import type { PanelEvent } from '../data/events';
import { noLevelColor, resultColor, thresholdColor } from '../data/colors';
import { formatPoints, thresholdLabels, thresholdStep, type PointsDisplay } from '../data/points-display';
import { priorityText, type VmExtras } from '../data/vm-series';
import {
  ARROW_BAND,
  HEADER,
  alongArrow,
  arrowPath,
  clusterLayout,
  fitsInDetail,
  type ClusterZoom,
} from './cluster-layout';
import { LABEL_FONT_SIZE, byLabelImportance, moveLabelText, placeMoveLabels } from './move-labels';

interface Props {
  model: ClusterModel;
  events: PanelEvent[];
  width: number;
  height: number;
  timeZone: string;
  colorScheme: ColorScheme;
  extras: ReadonlyMap<string, VmExtras>;
  display: PointsDisplay;
  colorBy: ClusterColor;
  /** The service level's thresholds (level-display.ts): the bands of colouring by service level. */
  level: PointsDisplay;
}

const LIST_HEIGHT = 120;
const LEGEND_HEIGHT = 26;
/** Below this column width the host name, its cpu line and the VM names are left out. */
const TEXT_COLUMN = 24;
const ZOOM_OPTIONS: Array<{ label: string; value: ClusterZoom; description: string }> = [
  { label: 'Fit', value: 'fit', description: 'Every host in the panel’s width' },
  { label: 'Detail', value: 'detail', description: 'Wider columns with names; scroll sideways' },
];
const bytes = getValueFormat('bytes');
/**
 * The move labels' font: the one @grafana/ui's measureText measures with, so the label
 * layout's widths are the drawn widths (Grafana loads Inter; elsewhere both fall back alike).
 */
const LABEL_FONT_FAMILY = 'Inter';
const labelWidth = (text: string) => measureText(text, LABEL_FONT_SIZE).width;

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', height: '100%' }),
  scroll: css({ overflowX: 'auto', overflowY: 'hidden', flex: '1 1 auto' }),
  legend: css({
    display: 'flex',
    gap: theme.spacing(1.5),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    height: LEGEND_HEIGHT,
    alignItems: 'center',
    overflow: 'hidden',
    whiteSpace: 'nowrap',
  }),
  tip: css({ fontSize: theme.typography.bodySmall.fontSize, lineHeight: 1.5 }),
  vm: css({ cursor: 'pointer', stroke: theme.colors.background.primary, strokeWidth: 1 }),
  // A 1 px outline would cover most of a few-pixel column: only a hairline between VMs.
  vmNarrow: css({ strokeWidth: 0.5 }),
  selected: css({ stroke: theme.colors.text.primary, strokeWidth: 2 }),
  list: css({
    height: LIST_HEIGHT,
    overflowY: 'auto',
    borderTop: `1px solid ${theme.colors.border.weak}`,
    fontSize: theme.typography.bodySmall.fontSize,
    padding: theme.spacing(0.5, 1),
  }),
  listTitle: css({ fontWeight: theme.typography.fontWeightMedium }),
  reason: css({ color: theme.colors.text.secondary }),
});

function VmTip({ v, extras, display }: { v: ClusterVm; extras?: VmExtras; display: PointsDisplay }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.tip} data-testid="vmpilot-cluster-tooltip">
      <div>
        <strong>{v.vm}</strong> on {v.host}
        {v.memoryBytes !== undefined ? `, ${formattedValueToString(bytes(v.memoryBytes))}` : ''}
      </div>
      <div>{formatPoints(display, v.total)} points</div>
      <div>priority {priorityText(extras?.priority)}</div>
      <div>service level {extras?.serviceLevel !== undefined ? extras.serviceLevel.toFixed(2) : '– (no SLI)'}</div>
    </div>
  );
}

/** What the pointer is on: a VM, a host's header or a move's arrow (by name or id), and where. */
interface Hover {
  on: 'vm' | 'host' | 'move';
  key: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

function HostTip({ host }: { host: ClusterModel['hosts'][number] }) {
  const styles = useStyles2(getStyles);
  const hot = host.hot.length > 0;
  return (
    <div className={styles.tip} data-testid="vmpilot-cluster-host-tooltip">
      <div>
        <strong>{host.name}</strong>
        {hot ? ` — hotspot (${host.hot.join(', ')})` : ''}
      </div>
      <div>
        {(['cpu', 'mem', 'disk', 'net'] as const).map((r) => `${r} ${host.load[r].toFixed(0)}`).join(', ')} points
      </div>
    </div>
  );
}

function MoveTip({ m }: { m: ClusterMove }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.tip} data-testid="vmpilot-cluster-move-tooltip">
      <div>
        <strong>{m.vm}</strong>: {m.from} → {m.to}, {m.state}
        {m.progress !== undefined ? ` (${Math.round(m.progress * 100)} %)` : ''}
      </div>
      <div className={styles.reason}>{m.reason}</div>
    </div>
  );
}

function tipContent(
  hover: Hover,
  model: ClusterModel,
  vmsByName: ReadonlyMap<string, ClusterVm>,
  extras: ReadonlyMap<string, VmExtras>,
  display: PointsDisplay
): React.ReactElement | undefined {
  if (hover.on === 'host') {
    const host = model.hosts.find((h) => h.name === hover.key);
    return host && <HostTip host={host} />;
  }
  if (hover.on === 'move') {
    const m = model.moves.find((mv) => mv.id === hover.key);
    return m && <MoveTip m={m} />;
  }
  const v = vmsByName.get(hover.key);
  return v && <VmTip v={v} extras={extras.get(v.vm)} display={display} />;
}

export function ClusterView({
  model,
  events,
  width,
  height,
  timeZone,
  colorScheme,
  extras,
  display,
  colorBy,
  level,
}: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const [selected, setSelected] = useState<string | null>(null);
  const [hover, setHover] = useState<Hover | null>(null);
  const [zoomChoice, setZoom] = useState<ClusterZoom>('fit');
  const zoomable = !fitsInDetail(model.hosts.length, width);
  const zoom: ClusterZoom = zoomable ? zoomChoice : 'detail';
  const svgHeight = height - LEGEND_HEIGHT - (selected ? LIST_HEIGHT : 0);
  const layout = useMemo(() => clusterLayout(model, width, svgHeight, zoom), [model, width, svgHeight, zoom]);
  const arrows = useMemo(
    () => new Map(model.moves.map((m) => [m.id, arrowPath(layout, m)] as const)),
    [model.moves, layout]
  );
  // Labels that fit without covering each other, the most important first; the others are
  // left to the arrow's tooltip.
  const labels = useMemo(() => {
    const wanted = [...model.moves].sort(byLabelImportance).flatMap((m) => {
      const a = arrows.get(m.id);
      return a ? [{ id: m.id, text: moveLabelText(m), x0: a.x0, x1: a.x1 }] : [];
    });
    return new Map(placeMoveLabels(wanted, layout.width, labelWidth).map((l) => [l.id, l] as const));
  }, [model.moves, arrows, layout.width]);
  const vmsByName = new Map(model.hosts.flatMap((h) => h.vms.map((v) => [v.vm, v] as const)));
  const textSize = Math.min(11, Math.max(8, layout.columns[0]?.w / 6 || 11));
  const selectedEvents = selected ? vmEvents(events, selected) : [];
  const tip = hover ? tipContent(hover, model, vmsByName, extras, display) : undefined;
  const byLevel = colorBy === 'serviceLevel';
  const bands = byLevel ? level : display;
  const steps = bands.thresholds.steps;
  // The colour-blind palette runs from good to bad: up the points' steps, down the service level's.
  const bandColor = (i: number) =>
    thresholdColor(theme, colorScheme, steps[i], byLevel ? steps.length - 1 - i : i, steps.length);
  /** The VM's colour and the legend entry (threshold step, or "none": no SLI) it belongs to. */
  const colorOf = (vm: string): { color: string; band: string } => {
    const value = byLevel ? extras.get(vm)?.serviceLevel : (vmsByName.get(vm)?.total ?? 0);
    if (value === undefined) {
      return { color: noLevelColor(theme, colorScheme), band: 'none' };
    }
    const { index } = thresholdStep(bands, value);
    return { color: bandColor(index), band: String(index) };
  };
  const colors = new Map(model.hosts.flatMap((h) => h.vms.map((v) => [v.vm, colorOf(v.vm)] as const)));
  const legendItems = [
    ...thresholdLabels(bands).map((label, i) => ({
      label: i === 0 ? `${byLevel ? 'service level' : 'points'} ${label}` : label,
      color: bandColor(i),
      yAxis: 1,
    })),
    ...(byLevel ? [{ label: 'no SLI', color: noLevelColor(theme, colorScheme), yAxis: 1 }] : []),
  ];
  return (
    <div className={styles.root} data-testid="vmpilot-cluster">
      <div className={styles.legend} data-testid="vmpilot-cluster-legend">
        {zoomable && (
          <span data-testid="vmpilot-cluster-zoom" data-zoom={zoom}>
            <RadioButtonGroup size="sm" options={ZOOM_OPTIONS} value={zoom} onChange={setZoom} />
          </span>
        )}
        <VizLegend items={legendItems} displayMode={LegendDisplayMode.List} placement="bottom" readonly />
        <span>▲ hotspot · arrow: migration (dot: progress), fading: recent moves</span>
      </div>
      <div className={styles.scroll} data-testid="vmpilot-cluster-scroll">
        <svg width={layout.width} height={svgHeight} role="img" aria-label="Cluster: hosts and their VMs">
          <defs>
            <marker
              id="vmpilot-arrowhead"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerUnits="userSpaceOnUse"
              markerWidth="10"
              markerHeight="10"
              orient="auto"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" fill={theme.colors.text.primary} />
            </marker>
          </defs>
          {layout.columns.map((c, i) => {
            const h = model.hosts[i];
            const hot = h.hot.length > 0;
            return (
              <g
                key={c.host}
                data-testid="vmpilot-cluster-host"
                data-host={c.host}
                data-hotspot={hot ? 'true' : 'false'}
              >
                <rect
                  x={c.x}
                  y={ARROW_BAND}
                  width={c.w}
                  height={svgHeight - ARROW_BAND - 2}
                  fill={hot ? theme.colors.error.transparent : theme.colors.background.secondary}
                  stroke={hot ? theme.colors.error.main : theme.colors.border.weak}
                />
                <rect
                  data-testid="vmpilot-cluster-host-header"
                  x={c.x}
                  y={ARROW_BAND}
                  width={c.w}
                  height={HEADER - 2}
                  fill="transparent"
                  onMouseEnter={() =>
                    setHover({ on: 'host', key: c.host, x: c.x, y: ARROW_BAND, w: c.w, h: HEADER - 2 })
                  }
                  onMouseLeave={() => setHover(null)}
                />
                {c.w < TEXT_COLUMN && hot && (
                  <path
                    data-testid="vmpilot-cluster-hot-mark"
                    pointerEvents="none"
                    d={`M ${c.x} ${ARROW_BAND + HEADER - 4} L ${c.x + c.w / 2} ${ARROW_BAND + 4} L ${c.x + c.w} ${ARROW_BAND + HEADER - 4} z`}
                    fill={theme.colors.error.main}
                  />
                )}
                {c.w >= TEXT_COLUMN && (
                  <text
                    pointerEvents="none"
                    x={c.x + c.w / 2}
                    y={ARROW_BAND + 13}
                    fontSize={Math.min(textSize, (1.7 * c.w) / (c.host.length + (hot ? 2 : 0)))}
                    textAnchor="middle"
                    fill={theme.colors.text.primary}
                  >
                    {hot ? '▲ ' : ''}
                    {c.host}
                  </text>
                )}
                {c.w >= TEXT_COLUMN && (
                  <text
                    pointerEvents="none"
                    x={c.x + c.w / 2}
                    y={ARROW_BAND + HEADER - 8}
                    fontSize={Math.max(8, textSize - 1)}
                    textAnchor="middle"
                    fill={hot ? theme.colors.error.text : theme.colors.text.secondary}
                  >
                    {`cpu ${Math.round(h.load.cpu)}`}
                  </text>
                )}
                {c.vms.map((b) => (
                  <rect
                    data-color-by={colorBy}
                    data-band={colors.get(b.vm)?.band}
                    key={b.vm}
                    data-testid="vmpilot-cluster-vm"
                    data-vm={b.vm}
                    data-host={c.host}
                    className={`${styles.vm} ${c.w < TEXT_COLUMN ? styles.vmNarrow : ''} ${selected === b.vm ? styles.selected : ''}`}
                    x={c.x + 2}
                    y={b.y}
                    width={Math.max(1, c.w - 4)}
                    height={Math.max(1, b.h - 1)}
                    fill={colors.get(b.vm)?.color}
                    onClick={() => setSelected(selected === b.vm ? null : b.vm)}
                    onMouseEnter={() => setHover({ on: 'vm', key: b.vm, x: c.x + 2, y: b.y, w: c.w - 4, h: b.h - 1 })}
                    onMouseLeave={() => setHover(null)}
                  />
                ))}
                {c.vms
                  .filter((b) => b.h >= 14 && c.w >= 40)
                  .map((b) => (
                    <text
                      key={`${b.vm}-label`}
                      x={c.x + c.w / 2}
                      y={b.y + Math.min(b.h / 2 + 4, 14)}
                      fontSize={Math.min(10, textSize)}
                      textAnchor="middle"
                      pointerEvents="none"
                      fill={theme.colors.getContrastText(colors.get(b.vm)?.color ?? '#000')}
                    >
                      {b.vm}
                    </text>
                  ))}
              </g>
            );
          })}
          {/* Running moves last, so they are drawn (and hovered) above the finished ones. */}
          {[...model.moves]
            .sort((a, b) => Number(a.state === 'running') - Number(b.state === 'running'))
            .map((m) => {
              const a = arrows.get(m.id);
              const label = labels.get(m.id);
              if (!a) {
                return null;
              }
              const color = m.state === 'running' ? theme.colors.warning.main : resultColor(theme, m.state);
              const dot = m.progress !== undefined ? alongArrow(a.x0, a.x1, a.y, m.progress) : undefined;
              return (
                <g
                  key={m.id}
                  data-testid="vmpilot-cluster-move"
                  data-vm={m.vm}
                  data-state={m.state}
                  opacity={m.opacity}
                >
                  <path
                    d={a.d}
                    fill="none"
                    stroke={color}
                    strokeWidth={m.state === 'running' ? 3 : 2}
                    strokeDasharray={m.state === 'failed' ? '4 3' : undefined}
                    markerEnd="url(#vmpilot-arrowhead)"
                  />
                  {/* A wider invisible stroke along the arrow: the hover target of its tooltip. */}
                  <path
                    data-testid="vmpilot-cluster-move-target"
                    d={a.d}
                    fill="none"
                    stroke="transparent"
                    strokeWidth={10}
                    onMouseEnter={() =>
                      setHover({
                        on: 'move',
                        key: m.id,
                        x: Math.min(a.x0, a.x1),
                        y: a.y - 20,
                        w: Math.abs(a.x1 - a.x0),
                        h: 20,
                      })
                    }
                    onMouseLeave={() => setHover(null)}
                  />
                  {dot && (
                    <circle
                      data-testid="vmpilot-cluster-progress"
                      pointerEvents="none"
                      cx={dot.x}
                      cy={dot.y}
                      r={4}
                      fill={color}
                    />
                  )}
                  {label && (
                    <text
                      data-testid="vmpilot-cluster-move-label"
                      pointerEvents="none"
                      x={label.x}
                      y={label.y}
                      fontSize={LABEL_FONT_SIZE}
                      fontFamily={LABEL_FONT_FAMILY}
                      fill={theme.colors.text.primary}
                    >
                      {label.text}
                    </text>
                  )}
                </g>
              );
            })}
          {hover && tip && (
            // One @grafana/ui tooltip for the whole view, anchored on the hovered VM, host
            // header or arrow (a tooltip per element costs its hooks 1,000 times over at 100 hosts).
            <Tooltip content={tip} placement="top" show>
              <rect x={hover.x} y={hover.y} width={hover.w} height={hover.h} fill="none" pointerEvents="none" />
            </Tooltip>
          )}
        </svg>
      </div>
      {selected && (
        <div className={styles.list} data-testid="vmpilot-cluster-vm-events" data-vm={selected}>
          <div className={styles.listTitle}>
            {selected} (priority {priorityText(extras.get(selected)?.priority)}):{' '}
            {selectedEvents.length === 0 ? 'no events in this time range' : 'recent events'}
          </div>
          {selectedEvents.map((e) => (
            <div key={e.id} data-testid="vmpilot-cluster-vm-event">
              {dateTimeFormat(e.timeMs, { timeZone, format: 'HH:mm:ss' })} {e.action}
              {e.to ? ` → ${e.to}` : ''} ({e.result}) <span className={styles.reason}>{e.reason}</span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
