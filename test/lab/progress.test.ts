// The guest's progress line parser, on literal lines as the guest writes them.
import { parseProgressLine, parseProgressLog } from '../../lab/progress';

describe('parseProgressLine', () => {
  it('reads every field of a progress line', () => {
    expect(parseProgressLine('up=12.34 cpu=123456 MemTotal=231992 MemAvailable=180120 ncpu=2')).toEqual({
      uptimeSeconds: 12.34,
      cpuIterations: 123456,
      memTotalKiB: 231992,
      memAvailableKiB: 180120,
      onlineCpus: 2,
    });
  });

  it("reads the memory toucher's dirtied= MiB when the image reports it", () => {
    const line = 'up=30.50 cpu=9 MemTotal=231992 MemAvailable=180120 ncpu=1 dirtied=224';
    expect(parseProgressLine(line)?.dirtiedMiB).toBe(224);
    expect(parseProgressLine(line.replace(' dirtied=224', ''))).not.toHaveProperty('dirtiedMiB');
  });

  it('ignores a carriage return and extra fields', () => {
    expect(parseProgressLine('up=1.00 cpu=0 MemTotal=1 MemAvailable=1 ncpu=1 seq=4\r')?.cpuIterations).toBe(
      0,
    );
  });

  it('rejects boot messages and torn lines', () => {
    expect(parseProgressLine('[    0.000000] Linux version 6.1.0-57-amd64')).toBeNull();
    expect(parseProgressLine('up=12.34 cpu=123456 MemTot')).toBeNull();
    expect(parseProgressLine('')).toBeNull();
  });
});

describe('parseProgressLog', () => {
  it('keeps the progress lines of a console log, in order', () => {
    const log = [
      'SeaBIOS (version 1.16.2-debian-1.16.2-1)',
      'up=7.01 cpu=1000 MemTotal=231992 MemAvailable=200000 ncpu=1',
      'random: crng init done',
      'up=8.02 cpu=9000 MemTotal=231992 MemAvailable=199000 ncpu=1',
      'up=9.0',
    ].join('\n');
    expect(parseProgressLog(log).map((p) => p.cpuIterations)).toEqual([1000, 9000]);
  });
});
