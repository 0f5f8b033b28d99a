// The fencing hook runs a real command: its exit status, its deadline and `$host`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runFence } from './fence';

describe('fencing command', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-fence-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves when the command exits 0, with $host replaced and VMPILOT_HOST set', async () => {
    const out = path.join(dir, 'out');
    await runFence(
      { command: ['/bin/sh', '-c', `echo "$0 $VMPILOT_HOST" > ${out}`, '$host'], timeoutSeconds: 5 },
      'rack1',
    );
    expect(readFileSync(out, 'utf8').trim()).toBe('rack1 rack1');
  });

  it('rejects with the exit status and the last stderr line', async () => {
    await expect(
      runFence({ command: ['/bin/sh', '-c', 'echo "no power" >&2; exit 3'], timeoutSeconds: 5 }, 'rack1'),
    ).rejects.toThrow(/fencing rack1 with \/bin\/sh failed: exit 3: no power/);
  });

  it('rejects past its deadline (the command is killed)', async () => {
    await expect(runFence({ command: ['/bin/sleep', '30'], timeoutSeconds: 0.3 }, 'rack1')).rejects.toThrow(
      /no answer within 0.3 s/,
    );
  });
});
