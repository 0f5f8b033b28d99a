// What Grafana puts on the page before its modules load: @grafana/runtime reads
// window.grafanaBootData when it is first imported (and warns without it). This page has
// no Grafana server, so the settings are the defaults. Imported first by main.tsx.
(window as unknown as { grafanaBootData: unknown }).grafanaBootData = {
  settings: {},
  user: { timezone: 'browser' },
  navTree: [],
};
export {};
