// Cluster view: hosts as columns, their VMs stacked and sized by memory, coloured by
// points; hotspot hosts marked; the migration in flight as an arrow with a progress
// marker, the last moves as arrows fading out. Clicking a VM lists its recent events with
// their reasons. At 100 hosts the columns keep a minimum width and the view scrolls.
import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, formattedValueToString, getValueFormat, type GrafanaTheme2 } from '@grafana/data';
import { Tooltip, useStyles2, useTheme2 } from '@grafana/ui';
import type { ColorScheme } from '../types';
import { vmEvents, type ClusterModel, type ClusterVm } from '../data/cluster';
import type { PanelEvent } from '../data/events';
import { POINTS_BUCKETS, pointsColor, resultColor } from '../data/colors';
import { ARROW_BAND, HEADER, alongArrow, arrowPath, clusterLayout } from './cluster-layout';

interface Props {
  model: ClusterModel;
  events: PanelEvent[];
  width: number;
  height: number;
  timeZone: string;
  colorScheme: ColorScheme;
}

const LIST_HEIGHT = 120;
const LEGEND_HEIGHT = 18;
const bytes = getValueFormat('bytes');

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
  }),
  swatch: css({ display: 'inline-block', width: 10, height: 10, marginRight: theme.spacing(0.5) }),
  vm: css({ cursor: 'pointer', stroke: theme.colors.background.primary, strokeWidth: 1 }),
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

function vmTip(v: ClusterVm): string {
  const mem = v.memoryBytes !== undefined ? `, ${formattedValueToString(bytes(v.memoryBytes))}` : '';
  return `${v.vm} on ${v.host}: ${v.total.toFixed(1)} points${mem}`;
}

export function ClusterView({ model, events, width, height, timeZone, colorScheme }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const [selected, setSelected] = useState<string | null>(null);
  const [hover, setHover] = useState<{ vm: string; x: number; y: number; w: number; h: number } | null>(null);
  const svgHeight = height - LEGEND_HEIGHT - (selected ? LIST_HEIGHT : 0);
  const layout = useMemo(() => clusterLayout(model, width, svgHeight), [model, width, svgHeight]);
  const vmsByName = new Map(model.hosts.flatMap((h) => h.vms.map((v) => [v.vm, v] as const)));
  const textSize = Math.min(11, Math.max(8, layout.columns[0]?.w / 6 || 11));
  const selectedEvents = selected ? vmEvents(events, selected) : [];
  const hovered = hover ? vmsByName.get(hover.vm) : undefined;
  return (
    <div className={styles.root} data-testid="vmpilot-cluster">
      <div className={styles.legend} data-testid="vmpilot-cluster-legend">
        <span>points:</span>
        {[0, ...POINTS_BUCKETS].map((lo, i) => (
          <span key={lo}>
            <span className={styles.swatch} style={{ background: pointsColor(theme, colorScheme, lo) }} />
            {i < POINTS_BUCKETS.length ? `${lo}–${POINTS_BUCKETS[i]}` : `≥ ${lo}`}
          </span>
        ))}
        <span>▲ hotspot · arrow: migration (dot: progress), fading: recent moves</span>
      </div>
      <div className={styles.scroll}>
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
                <text
                  x={c.x + c.w / 2}
                  y={ARROW_BAND + 13}
                  fontSize={Math.min(textSize, (1.7 * c.w) / (c.host.length + (hot ? 2 : 0)))}
                  textAnchor="middle"
                  fill={theme.colors.text.primary}
                >
                  {hot ? '▲ ' : ''}
                  {c.host}
                  <title>{c.host}</title>
                </text>
                <text
                  x={c.x + c.w / 2}
                  y={ARROW_BAND + HEADER - 8}
                  fontSize={Math.max(8, textSize - 1)}
                  textAnchor="middle"
                  fill={hot ? theme.colors.error.text : theme.colors.text.secondary}
                >
                  {`cpu ${Math.round(h.load.cpu)}`}
                  <title>{`${c.host}: ${(['cpu', 'mem', 'disk', 'net'] as const)
                    .map((r) => `${r} ${h.load[r].toFixed(0)}`)
                    .join(', ')} points${hot ? ` — hotspot (${h.hot.join(', ')})` : ''}`}</title>
                </text>
                {c.vms.map((b) => (
                  <rect
                    key={b.vm}
                    data-testid="vmpilot-cluster-vm"
                    data-vm={b.vm}
                    data-host={c.host}
                    className={`${styles.vm} ${selected === b.vm ? styles.selected : ''}`}
                    x={c.x + 2}
                    y={b.y}
                    width={Math.max(1, c.w - 4)}
                    height={Math.max(1, b.h - 1)}
                    fill={pointsColor(theme, colorScheme, vmsByName.get(b.vm)?.total ?? 0)}
                    onClick={() => setSelected(selected === b.vm ? null : b.vm)}
                    onMouseEnter={() => setHover({ vm: b.vm, x: c.x + 2, y: b.y, w: c.w - 4, h: b.h - 1 })}
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
                      fill={theme.colors.getContrastText(
                        pointsColor(theme, colorScheme, vmsByName.get(b.vm)?.total ?? 0)
                      )}
                    >
                      {b.vm}
                    </text>
                  ))}
              </g>
            );
          })}
          {model.moves.map((m, i) => {
            const a = arrowPath(layout, m);
            if (!a) {
              return null;
            }
            const color = m.state === 'running' ? theme.colors.warning.main : resultColor(theme, m.state);
            const dot = m.progress !== undefined ? alongArrow(a.x0, a.x1, a.y, m.progress) : undefined;
            return (
              <g key={m.id} data-testid="vmpilot-cluster-move" data-vm={m.vm} data-state={m.state} opacity={m.opacity}>
                <path
                  d={a.d}
                  fill="none"
                  stroke={color}
                  strokeWidth={m.state === 'running' ? 3 : 2}
                  strokeDasharray={m.state === 'failed' ? '4 3' : undefined}
                  markerEnd="url(#vmpilot-arrowhead)"
                >
                  <title>{`${m.vm}: ${m.from} → ${m.to}, ${m.state}${
                    m.progress !== undefined ? ` (${Math.round(m.progress * 100)} %)` : ''
                  }\n${m.reason}`}</title>
                </path>
                {dot && <circle data-testid="vmpilot-cluster-progress" cx={dot.x} cy={dot.y} r={4} fill={color} />}
                <text
                  x={(a.x0 + a.x1) / 2}
                  y={10 + (i % 3) * 11}
                  fontSize={10}
                  textAnchor="middle"
                  fill={theme.colors.text.primary}
                >
                  {m.vm}
                  {m.progress !== undefined ? ` ${Math.round(m.progress * 100)} %` : ''}
                </text>
              </g>
            );
          })}
          {hovered && hover && (
            // One @grafana/ui tooltip for the whole view, anchored on the hovered VM (a
            // tooltip per VM costs its hooks 1,000 times over at 100 hosts).
            <Tooltip content={vmTip(hovered)} placement="top" show>
              <rect x={hover.x} y={hover.y} width={hover.w} height={hover.h} fill="none" pointerEvents="none" />
            </Tooltip>
          )}
        </svg>
      </div>
      {selected && (
        <div className={styles.list} data-testid="vmpilot-cluster-vm-events" data-vm={selected}>
          <div className={styles.listTitle}>
            {selected}: {selectedEvents.length === 0 ? 'no events in this time range' : 'recent events'}
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
