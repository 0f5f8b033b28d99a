// Kept definitions survive a restart of the autoscaler: written atomically beside the
// journal, re-read at start; a leftover temp file from a crash is ignored.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileDefinitionStore, type KeptDefinition } from './definitions';

const def = (uuid: string, host = 'a'): KeptDefinition => ({
  uuid,
  name: `vm-${uuid.slice(0, 4)}`,
  host,
  vcpus: 2,
  memoryBytes: 2 ** 30,
  cpuCores: 0.5,
  wasRunning: true,
  priority: { class: 'high' },
  definition: `<domain><uuid>${uuid}</uuid></domain>`,
  savedAtMs: 1,
});

describe('definition store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-defs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps each VM in its own file and reads them back in a new store', () => {
    const store = new FileDefinitionStore(path.join(dir, 'j.definitions'));
    store.put(def('11111111-0000-4000-8000-000000000001'));
    store.put(def('22222222-0000-4000-8000-000000000002', 'b'));
    store.put({ ...def('11111111-0000-4000-8000-000000000001'), host: 'c' });
    const again = new FileDefinitionStore(path.join(dir, 'j.definitions'));
    expect(
      again
        .all()
        .map((d) => [d.uuid.slice(0, 8), d.host, d.priority?.class])
        .sort(),
    ).toEqual([
      ['11111111', 'c', 'high'],
      ['22222222', 'b', 'high'],
    ]);
  });

  it('ignores a torn temp file left by a crash and refuses a name that is not a UUID', () => {
    const d = path.join(dir, 'j.definitions');
    const store = new FileDefinitionStore(d);
    store.put(def('33333333-0000-4000-8000-000000000003'));
    writeFileSync(path.join(d, '33333333-0000-4000-8000-000000000003.json.tmp'), '{"uuid": "333');
    expect(new FileDefinitionStore(d).get('33333333-0000-4000-8000-000000000003')?.host).toBe('a');
    expect(() => store.put(def('../../etc/passwd'))).toThrow(/not a UUID/);
    expect(readdirSync(d).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });
});
