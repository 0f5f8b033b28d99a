// Signals of a long-running vmpilot process, as operators expect from Prometheus' tools:
// SIGINT/SIGTERM stop it, SIGHUP reloads its configuration and it keeps running (the
// default action of SIGHUP — exit 129 — is replaced as long as the process runs).

/** Resolves with the stop signal; calls `onReload` on each SIGHUP meanwhile. */
export function runUntilStopped(onReload: () => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (s: NodeJS.Signals) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onReload);
      resolve(s);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onReload);
  });
}
