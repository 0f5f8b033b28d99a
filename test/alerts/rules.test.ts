// The shipped Prometheus rules are valid and behave as documented (promtool, Debian's prometheus).
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const alertsDir = path.join(__dirname, '..', '..', 'alerts');

describe('alerts/vmpilot-rules.yml', () => {
  beforeAll(() => {
    if (spawnSync('promtool', ['--version']).status !== 0) {
      throw new Error('promtool not found: run scripts/setup.sh (apt-get install prometheus)');
    }
  });

  it('passes promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', 'vmpilot-rules.yml'], {
      cwd: alertsDir,
    }).toString();
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes its promtool unit tests (k-of-n overload, underload, hypervisor down)', () => {
    const r = spawnSync('promtool', ['test', 'rules', 'vmpilot-rules.test.yml'], { cwd: alertsDir });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
