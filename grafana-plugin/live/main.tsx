// Boots the live view: loads the built plugin (./plugin/module.js, served from
// grafana-plugin/dist) the way Grafana does, then renders its panel component.
import './boot';
import React from 'react';
import { createRoot } from 'react-dom/client';
import type { PanelPlugin } from '@grafana/data';
import { loadPlugin } from './amd';
import { shared } from './shared';
import { App } from './App';

const root = createRoot(document.getElementById('root') as HTMLElement);
loadPlugin('./plugin/module.js', shared)
  .then((exports) => {
    const plugin = exports.plugin as PanelPlugin | undefined;
    if (!plugin?.panel) {
      throw new Error('./plugin/module.js exports no panel plugin');
    }
    root.render(<App Panel={plugin.panel as never} />);
  })
  .catch((e: unknown) => {
    root.render(<pre data-testid="live-error">{e instanceof Error ? e.message : String(e)}</pre>);
  });
