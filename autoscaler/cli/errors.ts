// The CLI's errors, defined in core/cli/errors.ts so that the stand-alone exporter
// (exporter/main.ts) shares them without importing autoscaler/.
export { CliError, describeError } from '../../core/cli/errors';
