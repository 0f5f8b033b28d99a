// What Grafana puts on the page before its modules load: @grafana/runtime reads
// window.grafanaBootData when it is first imported (and warns without it), and
// @grafana/data reads its feature toggles. This page has no Grafana server, so the
// settings are the defaults (no toggles). Imported first by main.tsx, bench.tsx and the
// browser test page (tests/browser/main.tsx).
(window as unknown as { grafanaBootData: unknown }).grafanaBootData = {
  assets: { dark: '', light: '' },
  settings: { featureToggles: {} },
  user: { timezone: 'browser' },
  navTree: [],
};
export {};
