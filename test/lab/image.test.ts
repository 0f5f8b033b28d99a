// The lab guest image built from Debian packages: kernel, initrd and the /init packed in it,
// cached by package version (a second call finds it). Uses the real cache directory, as
// `vmpilot lab up` does; the first build downloads ~70 MB and takes ~10-20 s.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_CACHE_DIR, ensureGuestImage, type GuestImage } from '../../lab/image';
import { readNewc } from './newc';

jest.setTimeout(300_000);

describe('lab guest image', () => {
  let image: GuestImage;

  beforeAll(async () => {
    image = await ensureGuestImage(DEFAULT_CACHE_DIR);
  });

  it('has a kernel and an initrd in the cache, named by the kernel package version', () => {
    expect(image.dir.startsWith(path.join(DEFAULT_CACHE_DIR, 'images'))).toBe(true);
    expect(image.kernelPackage).toMatch(/^linux-image-6\.\S+-amd64 \S+$/);
    expect(path.basename(image.dir)).toContain(image.kernelPackage.split(' ')[0]);
    expect(statSync(image.kernel).size).toBeGreaterThan(4 * 2 ** 20);
    expect(statSync(image.initrd).size).toBeGreaterThan(2 ** 19);
    // the bzImage header magic "HdrS" at 0x202
    expect(readFileSync(image.kernel).subarray(0x202, 0x206).toString('latin1')).toBe('HdrS');
  });

  it('packs /init, busybox, /dev/console and the virtio modules in dependency order', () => {
    const entries = new Map(readNewc(gunzipSync(readFileSync(image.initrd))).map((e) => [e.name, e]));
    const init = readFileSync(image.init, 'utf8');
    expect(entries.get('init')?.data.toString('utf8')).toBe(init);
    expect((entries.get('init')?.mode ?? 0) & 0o111).not.toBe(0);
    expect(entries.get('bin/busybox')?.data.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect((entries.get('dev/console')?.mode ?? 0) & 0o170000).toBe(0o020000); // a character device
    expect(init).toMatch(/^#!\/bin\/busybox sh/);
    expect(init).toContain('/proc/cmdline');
    expect(init).toContain('org.vmpilot.0');
    expect(image.modules).toEqual(
      expect.arrayContaining(['virtio_pci', 'virtio_balloon', 'virtio_console', 'virtio_net']),
    );
    const at = (m: string) => image.modules.indexOf(m);
    expect(at('virtio_ring')).toBeLessThan(at('virtio'));
    expect(at('virtio')).toBeLessThan(at('virtio_pci'));
    expect(at('failover')).toBeLessThan(at('virtio_net'));
    for (const m of image.modules) {
      expect(entries.get(`lib/modules/${m}.ko`)?.data.length).toBeGreaterThan(1000);
      expect(init).toContain(`insmod /lib/modules/${m}.ko`);
    }
  });

  it('is found in the cache the second time', async () => {
    const again = await ensureGuestImage(DEFAULT_CACHE_DIR);
    expect(again).toMatchObject({ dir: image.dir, built: false });
  });
});
