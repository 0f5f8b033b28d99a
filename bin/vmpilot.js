#!/usr/bin/env node
// Entry point of the `vmpilot` CLI: runs the compiled TypeScript (npm run build).
require('../dist/autoscaler/cli/main.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
