// A journal on a full disk (issue 17): the test mounts a small tmpfs (CI runs as root), puts
// the journal on it and fills the rest. The service stops acting (every host held as
// journal_unwritable, rounds not ok, /readyz not ready, the metric at 0), cuts any partial
// line, and resumes by itself once space is freed, with nothing lost and no malformed line.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Action, Plan } from '../../core/model/plan';
import { Journal } from '../../autoscaler/journal/journal';
import type { Strategy } from '../../autoscaler/strategies/strategy';
import { pollUntil } from '../helpers/poll';
import { hotspotService } from './hotspot-rig';

let mnt: string;

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs: it must run as root (CI does)');
  mnt = mkdtempSync(path.join(tmpdir(), 'vmpilot-diskfull-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]);
});
afterAll(() => {
  if (!mnt) return;
  // Lazy: a journal a failed test left open must not keep the mount (and the next run) busy.
  execFileSync('umount', ['-l', mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

/** Fills the file system with `file` until ENOSPC; returns how to free it again. */
function fill(file: string): () => void {
  const fd = openSync(file, 'w');
  const big = Buffer.alloc(4096, 1);
  const one = Buffer.alloc(1, 1);
  try {
    for (;;) writeSync(fd, big);
  } catch {
    // full at page granularity; the byte loop takes what is left of the last page
  }
  try {
    for (;;) writeSync(fd, one);
  } catch {
    // full
  }
  closeSync(fd);
  return () => rmSync(file);
}

function rig(name: string, strategy?: Strategy) {
  const dir = path.join(mnt, name);
  const applier = { migrationTimeoutSeconds: 30, callTimeoutSeconds: 2 };
  const { port, journal, metrics, service } = hotspotService({ dir, applier, strategy });
  const writable = async () =>
    (await metrics.registry.getSingleMetricAsString('vmpilot_autoscaler_journal_writable'))
      .trim()
      .split(' ')
      .pop();
  return { dir, port, journal, service, writable };
}

/** The journal file: every line an event (no fragment), and what it says per id at the end. */
function readBack(file: string) {
  const text = readFileSync(file, 'utf8');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const byId = new Map<string, string>();
  for (const l of lines) {
    const ev = JSON.parse(l) as { id: string; result: string };
    byId.set(ev.id, ev.result);
  }
  const reopened = Journal.open(file, { readOnly: true });
  expect(reopened.badLines).toBe(0);
  expect(reopened.tornBytes).toBe(0);
  return byId;
}

describe('journal on a full disk (real tmpfs)', () => {
  it('holds every host while the journal cannot be written, then resumes by itself (real planner)', async () => {
    const t = rig('planner');
    const free = fill(path.join(mnt, 'filler'));
    try {
      const first = await t.service.runRound('local');
      // The first "started" record fails: no action happened and nothing claims it did.
      expect(first.outcome).not.toBe('ok');
      expect(t.port.calls.filter((c) => c.startsWith('set'))).toEqual([]);
      const held = await t.service.runRound('local');
      expect(held.outcome).toBe('held');
      expect(held.plan.held.map((h) => h.code)).toEqual(['journal_unwritable', 'journal_unwritable']);
      expect(held.plan.actions).toEqual([]);
      expect(t.service.readiness()).toEqual({ ready: false, reason: 'journal unwritable: ENOSPC' });
      expect(await t.writable()).toBe('0');
    } finally {
      free();
    }
    const ok = await t.service.runRound('local');
    expect(ok.outcome).toBe('ok');
    expect(ok.events.length).toBeGreaterThan(0);
    expect(t.service.readiness().ready).toBe(true);
    expect(await t.writable()).toBe('1');
    t.journal.close();
    const byId = readBack(t.journal.file);
    expect([...byId.values()].every((r) => r === 'completed')).toBe(true);
    expect(byId.size).toBe(ok.events.length);
  });

  it('keeps the completion of a migration that ended while the disk was full and writes it on recovery', async () => {
    const move: Action = {
      kind: 'migrate',
      vm: 'idle',
      from: 'b',
      to: 'a',
      params: {},
      // Records bigger than a page: a full disk cannot take them in the slack of the file's
      // last page (a short line might still fit there and the disk would not look full).
      reason: { rule: 'scripted', text: `scripted move ${'x'.repeat(6000)}` },
    } as unknown as Action; // a scripted plan: the applier checks it like any other
    let planned = false;
    const scripted: Strategy = {
      name: 'scripted',
      local: (input): Plan => {
        const actions = planned ? [] : [move];
        planned = true;
        return { at: input.now, held: [], actions };
      },
    };
    const t = rig('migration', scripted);
    let release!: () => void;
    t.port.migrationGate = new Promise<void>((r) => (release = r));
    await t.service.runRound('local');
    const started = await pollUntil(() => t.journal.events().find((e) => e.result === 'started'), {
      what: 'the migration journalled as started',
    });
    const free = fill(path.join(mnt, 'filler'));
    try {
      release();
      await pollUntil(async () => (await t.service.runRound('local')).outcome === 'held', {
        what: 'a held round while the disk is full',
      });
      expect(t.service.readiness().ready).toBe(false);
    } finally {
      free();
    }
    await pollUntil(async () => (await t.service.runRound('local')).outcome === 'ok', {
      what: 'an ok round',
    });
    t.journal.close();
    const byId = readBack(t.journal.file);
    // Nothing lost: the move that happened while the disk was full is closed in the file.
    expect(byId.get(started.id)).toMatch(/^(completed|failed)$/);
    expect(t.port.hosts.get('a')!.vms.has('idle')).toBe(true);
  });
});
