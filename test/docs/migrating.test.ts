// docs/migrating-from-libvirt-exporter.md maps every metric Debian's
// prometheus-libvirt-exporter (kumina) publishes — read from the real binary on
// test:///default — to a metric vmpilot really publishes (its golden /metrics files).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../e2e/helpers';
import { GiveUp, pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';

const root = path.join(__dirname, '..', '..');

describe('docs/migrating-from-libvirt-exporter.md', () => {
  it('maps every kumina metric to a published vmpilot metric', async () => {
    const bin = requireTool('prometheus-libvirt-exporter', 'prometheus-libvirt-exporter');
    const port = await freePort();
    const child = spawn(bin, ['--libvirt.uri=test:///default', `--web.listen-address=127.0.0.1:${port}`], {
      stdio: 'ignore',
    });
    let text: string;
    try {
      text = await pollUntil(
        async () => {
          if (child.exitCode !== null) throw new GiveUp(`exited ${child.exitCode}`);
          const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
          return r?.ok && (await r.text());
        },
        { what: "Debian's libvirt exporter", timeoutMs: 20_000 },
      );
    } finally {
      child.kill('SIGTERM');
    }
    const kumina = [...new Set([...text.matchAll(/^(libvirt_[a-z_]+)/gm)].map((m) => m[1]))];
    expect(kumina.length).toBeGreaterThan(10);
    const doc = readFileSync(path.join(root, 'docs', 'migrating-from-libvirt-exporter.md'), 'utf8');
    const ours = new Set<string>();
    for (const f of ['sim-seed-experiment.prom', 'test-driver-rack-a.prom'])
      for (const m of readFileSync(path.join(root, 'exporter', 'fixtures', f), 'utf8').matchAll(
        /^# TYPE (vmpilot_[a-z_]+)/gm,
      ))
        ours.add(m[1]);
    for (const k of kumina) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${k}`));
      const mapped = row ? /\| `(vmpilot_[a-z_]+)/.exec(row.slice(row.indexOf('|', 2)))?.[1] : undefined;
      expect({ kumina: k, ours: mapped !== undefined && ours.has(mapped) }).toEqual({
        kumina: k,
        ours: true,
      });
    }
  });
});
