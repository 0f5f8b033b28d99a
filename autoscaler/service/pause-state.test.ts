import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { filePauseStore, pauseStateFileFor } from './pause-state';

describe('pause state file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'vmpilot-pause-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has nothing to say before the first pause, then keeps the last pause or resume', () => {
    const store = filePauseStore(pauseStateFileFor(path.join(dir, 'journal.jsonl')));
    expect(store.file).toBe(path.join(dir, 'journal.jsonl.state.json'));
    expect(store.load()).toBeUndefined();
    store.save(true, new Date('2026-11-24T00:00:00Z'));
    expect(filePauseStore(store.file).load()).toEqual({ paused: true, at: '2026-11-24T00:00:00.000Z' });
    store.save(false, new Date('2026-11-24T01:00:00Z'));
    expect(filePauseStore(store.file).load()?.paused).toBe(false);
  });

  it('refuses a damaged file with a message that says what to do', () => {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, '{"paused": tr');
    expect(() => filePauseStore(file).load()).toThrow(/not JSON \(delete it to start unpaused\)/);
    writeFileSync(file, '{"paused": "yes"}');
    expect(() => filePauseStore(file).load()).toThrow(/malformed/);
  });
});
