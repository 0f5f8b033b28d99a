// A Prometheus started by vmpilot does not outlive a vmpilot that is killed without a
// chance to stop it (SIGKILL): the kernel sends it SIGTERM (core/procs/daemon.ts, setpriv
// --pdeathsig). Real processes: the built module in a node child, Debian's prometheus.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt, requirePrometheus } from '../e2e/helpers';
import { pollUntil } from '../helpers/poll';

jest.setTimeout(120_000);

beforeAll(requirePrometheus);

const ROOT = path.join(__dirname, '..', '..');

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

describe('daemons started by vmpilot', () => {
  it('stop when the vmpilot process that started them is SIGKILLed', async () => {
    ensureBuilt();
    const module = path.join(ROOT, 'dist', 'core', 'procs', 'prometheus.js');
    const owner = spawn(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(module)}).startPrometheus({ scrapeTargets: ['127.0.0.1:9'] })
           .then((p) => process.stdout.write(p.url + '\\n'));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let url = '';
    owner.stdout.on('data', (d: Buffer) => (url += d.toString()));
    try {
      url = await pollUntil(() => (url.endsWith('\n') ? url.trim() : undefined), {
        what: 'Prometheus started by the owner',
        timeoutMs: 60_000,
      });
      expect(await answers(url)).toBe(true);
      owner.kill('SIGKILL');
      await pollUntil(async () => !(await answers(url)), {
        what: 'Prometheus to stop after its owner died',
        timeoutMs: 20_000,
      });
    } finally {
      owner.kill('SIGKILL');
    }
  });
});
