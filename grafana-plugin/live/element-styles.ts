// Grafana's element rule that panels rely on (its GlobalStyles, elements.ts): form controls
// take the surrounding text colour and font — VizLegend's labels are buttons. Only this
// rule: GlobalStyles would also load Grafana's web fonts, which @grafana/ui does not ship.
// Imported by every page that mounts the panel outside Grafana (main.tsx, bench.tsx, the
// browser test page).
import { injectGlobal } from '@emotion/css';

injectGlobal({ 'button, input, select, textarea': { color: 'inherit', font: 'inherit' } });
