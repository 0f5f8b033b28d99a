// Time labels along the bottom of a timeline view (events, migrations).
import React from 'react';
import { useTheme2 } from '@grafana/ui';
import { tickAnchor, type TimeScale } from './time-axis';

export function TimeTicks({ scale, y }: { scale: TimeScale; y: number }) {
  const theme = useTheme2();
  return (
    <g data-testid="vmpilot-time-ticks">
      {scale.ticks.map((t, i) => (
        <text
          key={t.ms}
          x={t.x}
          y={y}
          fontSize={10}
          textAnchor={tickAnchor(i, scale.ticks.length)}
          fill={theme.colors.text.secondary}
        >
          {t.label}
        </text>
      ))}
    </g>
  );
}
