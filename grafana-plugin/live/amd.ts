// Loads the built panel plugin (dist/module.js, an AMD module as Grafana's plugin loader
// expects) into this page: a minimal `define` that hands the plugin the modules Grafana
// shares with plugins (react, @grafana/data, @grafana/ui, @grafana/runtime, @emotion/css —
// the scaffold's externals, .config/bundler/externals.ts) and `module` with the plugin's
// URL (its public path). Nothing of the plugin is bundled into the page.
export type Shared = Record<string, unknown>;

interface AmdWindow {
  define?: ((deps: string[], factory: (...mods: unknown[]) => unknown) => void) & { amd?: object };
}

/** Loads `url` as the plugin and resolves with its exports (`{ plugin }`). */
export function loadPlugin(url: string, shared: Shared, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const w = window as unknown as AmdWindow;
    const absolute = new URL(url, document.baseURI).href;
    const timer = setTimeout(
      () => reject(new Error(`plugin ${absolute} did not load within ${timeoutMs} ms`)),
      timeoutMs
    );
    const define = (deps: string[], factory: (...mods: unknown[]) => unknown) => {
      try {
        const mods = deps.map((d) => {
          if (d === 'module') {
            return { uri: absolute };
          }
          if (!(d in shared)) {
            throw new Error(`the plugin needs "${d}", which this page does not share`);
          }
          return shared[d];
        });
        clearTimeout(timer);
        resolve(factory(...mods) as Record<string, unknown>);
      } catch (e) {
        clearTimeout(timer);
        reject(e);
      }
    };
    define.amd = {};
    w.define = define;
    const script = document.createElement('script');
    script.src = absolute;
    script.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`cannot load the plugin from ${absolute} (is it built? npm run build)`));
    };
    document.head.appendChild(script);
  });
}
