// Issue 14 item 2, as far as a machine without systemd allows: scripts/install.sh installs
// into a temp root (the `vmpilot` user and `libvirt` group are created for real), then the
// ExecStart lines of the installed units run as systemd would run them — as `vmpilot` with
// its supplementary groups (setpriv --init-groups), the variables of their EnvironmentFile
// expanded, the unit's WorkingDirectory — against a real libvirtd socket (a private
// libvirtd whose sockets belong to group libvirt, as Debian configures them). The exporter
// reads through the read-only socket; the autoscaler opens the read-write one. ExecReload
// (SIGHUP) keeps both running with the same PID. Paths under /etc/vmpilot, /var/lib/vmpilot
// /etc/default/vmpilot-* and /usr/local/bin are taken inside the temp root.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuilt, freePort, ROOT } from '../e2e/helpers';
import { startPrivateLibvirtd, type PrivateLibvirtd } from '../helpers/libvirtd';
import { GiveUp, pollUntil } from '../helpers/poll';
import { requireTool } from '../helpers/require-tool';

const root = mkdtempSync(path.join(tmpdir(), 'vmpilot-install-'));
const inRoot = (p: string) =>
  /^\/(etc|var\/lib)\/vmpilot|^\/etc\/default\/vmpilot-|^\/usr\/local\/bin\//.test(p)
    ? path.join(root, p)
    : p;

interface Unit {
  execStart: string[];
  environmentFile?: string;
  workingDirectory?: string;
  execReload?: string;
  user?: string;
  restart?: string;
}

function readUnit(name: string): Unit {
  const text = readFileSync(path.join(root, 'etc', 'systemd', 'system', name), 'utf8');
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(text)?.[1]?.trim();
  return {
    execStart: (get('ExecStart') ?? '').split(/\s+/),
    environmentFile: get('EnvironmentFile')?.replace(/^-/, ''),
    workingDirectory: get('WorkingDirectory'),
    execReload: get('ExecReload'),
    user: get('User'),
    restart: get('Restart'),
  };
}

/** systemd's rule for an unquoted `$VAR` in ExecStart: the value split at whitespace. */
function expand(u: Unit): string[] {
  const env: Record<string, string> = {};
  if (u.environmentFile && existsSync(inRoot(u.environmentFile))) {
    for (const m of readFileSync(inRoot(u.environmentFile), 'utf8').matchAll(/^([A-Z_]+)="(.*)"$/gm))
      env[m[1]] = m[2];
  }
  return u.execStart.flatMap((w) => {
    const m = /^\$([A-Z_]+)$/.exec(w);
    return m ? (env[m[1]] ?? '').split(/\s+/).filter(Boolean) : [inRoot(w)];
  });
}

interface Service {
  child: ChildProcess;
  log: () => string;
}

function runAsVmpilot(argv: string[], cwd: string): Service {
  const child = spawn('setpriv', ['--reuid=vmpilot', '--regid=vmpilot', '--init-groups', ...argv], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, log: () => out };
}

function stopService(s: Service | undefined): Promise<void> {
  if (!s?.child.pid || s.child.exitCode !== null || s.child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
  process.kill(-s.child.pid, 'SIGTERM');
  return exited;
}

const uidOf = (pid: number) =>
  Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

async function healthy(s: Service, url: string, what: string): Promise<void> {
  await pollUntil(
    async () => {
      if (s.child.exitCode !== null) throw new GiveUp(`${what} exited ${s.child.exitCode}: ${s.log()}`);
      return (await fetch(url, { signal: AbortSignal.timeout(3000) }).catch(() => undefined))?.ok;
    },
    { what, timeoutMs: 60_000, intervalMs: 250 },
  );
}

describe('systemd units run as the vmpilot user against a real libvirtd', () => {
  let libvirtd: PrivateLibvirtd | undefined;
  let exporter: Service | undefined;
  let autoscaler: Service | undefined;
  let vmpilotUid = -1;
  let exporterUrl = '';
  let apiUrl = '';

  beforeAll(async () => {
    requireTool('setpriv', 'util-linux');
    ensureBuilt();
    chmodSync(root, 0o755);
    execFileSync('bash', [path.join(ROOT, 'scripts', 'install.sh'), '--root', root], {
      cwd: ROOT,
      stdio: 'pipe',
      timeout: 300_000,
    });
    vmpilotUid = Number(execFileSync('id', ['-u', 'vmpilot']).toString().trim());
    libvirtd = await startPrivateLibvirtd({
      extraConfig: [
        'unix_sock_group = "libvirt"',
        'unix_sock_ro_perms = "0777"',
        'unix_sock_rw_perms = "0770"',
        'auth_unix_ro = "none"',
        'auth_unix_rw = "none"',
      ],
    });
    const rwSocket = new URL(libvirtd.uri.replace('qemu+unix', 'http')).searchParams.get('socket') ?? '';
    // The private daemon's directory is the test's (mode 700): let the vmpilot user reach the sockets.
    for (let d = path.dirname(rwSocket); d !== tmpdir(); d = path.dirname(d)) chmodSync(d, 0o755);
    const exporterPort = await freePort();
    const apiPort = await freePort();
    exporterUrl = `http://127.0.0.1:${exporterPort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    // What an operator edits: the exporter's flags and the autoscaler's config.
    writeFileSync(
      path.join(root, 'etc', 'default', 'vmpilot-exporter'),
      `EXPORTER_ARGS="--connect kvm=qemu+unix:///system?socket=${rwSocket}-ro --web.listen-address=127.0.0.1:${exporterPort}"\n`,
    );
    writeFileSync(
      path.join(root, 'etc', 'vmpilot', 'vmpilot.yaml'),
      [
        `hypervisors: ["kvm=qemu+unix:///system?socket=${rwSocket}"]`,
        'prometheus: {url: "http://127.0.0.1:1"}',
        `listen: 127.0.0.1:${apiPort}`,
        `journal: ${path.join(root, 'var', 'lib', 'vmpilot', 'journal.jsonl')}`,
        'dryRun: true',
        '',
      ].join('\n'),
    );
  }, 400_000);

  afterAll(async () => {
    await stopService(exporter);
    await stopService(autoscaler);
    await libvirtd?.dispose();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('installs units with a dedicated user, Restart=always, ExecReload, the default config path', () => {
    for (const name of ['vmpilot-exporter.service', 'vmpilot-autoscaler.service']) {
      const u = readUnit(name);
      expect({ name, user: u.user, restart: u.restart, reload: u.execReload }).toEqual({
        name,
        user: 'vmpilot',
        restart: 'always',
        reload: '/bin/kill -HUP $MAINPID',
      });
    }
    expect(readUnit('vmpilot-autoscaler.service').execStart).toContain('/etc/vmpilot/vmpilot.yaml');
    const state = statSync(path.join(root, 'var', 'lib', 'vmpilot'));
    expect(state.uid).toBe(vmpilotUid);
    expect(execFileSync('id', ['-nG', 'vmpilot']).toString().split(/\s+/)).toContain('libvirt');
  });

  it("the exporter's ExecStart serves the libvirtd's metrics as vmpilot, read-only", async () => {
    const u = readUnit('vmpilot-exporter.service');
    exporter = runAsVmpilot(expand(u), u.workingDirectory ?? '/');
    await healthy(exporter, `${exporterUrl}/healthz`, "the exporter unit's /healthz");
    expect(uidOf(exporter.child.pid as number)).toBe(vmpilotUid);
    const text = await pollUntil(
      async () => {
        const t = await (await fetch(`${exporterUrl}/metrics`)).text();
        return /^vmpilot_host_up\{host="kvm"\} 1$/m.test(t) && t;
      },
      { what: 'vmpilot_host_up{host="kvm"} 1', timeoutMs: 30_000 },
    );
    expect(text).toMatch(/^vmpilot_scrape_collector_success\{host="kvm",collector="host"\} 1$/m);
  }, 90_000);

  it("the autoscaler's ExecStart runs as vmpilot with its state in /var/lib/vmpilot", async () => {
    const u = readUnit('vmpilot-autoscaler.service');
    autoscaler = runAsVmpilot(expand(u), inRoot(u.workingDirectory ?? '/var/lib/vmpilot'));
    await healthy(autoscaler, `${apiUrl}/healthz`, "the autoscaler unit's /healthz");
    expect(uidOf(autoscaler.child.pid as number)).toBe(vmpilotUid);
    const journal = path.join(root, 'var', 'lib', 'vmpilot', 'journal.jsonl');
    await pollUntil(() => existsSync(journal), { what: 'the journal in /var/lib/vmpilot' });
    expect(statSync(journal).uid).toBe(vmpilotUid);
    const plan = (await (await fetch(`${apiUrl}/api/v1/plan`)).json()) as { held: { host: string }[] };
    expect(plan.held.map((h) => h.host)).toContain('kvm'); // its host, read through libvirt; held: no Prometheus
  }, 90_000);

  it('ExecReload (SIGHUP) reloads both and they keep their PIDs', async () => {
    for (const [s, what] of [
      [exporter, 'reloaded the web config'],
      [autoscaler, 'reloaded the config'],
    ] as const) {
      const pid = s?.child.pid as number;
      process.kill(pid, 'SIGHUP');
      await pollUntil(() => s?.log().includes(what), { what: `"${what}" in the log`, timeoutMs: 10_000 });
      expect(s?.child.exitCode).toBeNull();
      expect(s?.child.signalCode).toBeNull();
      expect(s?.child.pid).toBe(pid);
    }
  });
});
