// The lab guest's /init (busybox sh), as text. It mounts proc/sys/devtmpfs, loads the
// virtio modules in the given order, starts the workload the kernel command line asks for
// and then prints one progress line a second (see ./progress.ts) to ttyS0 and to the
// virtio-serial port org.vmpilot.0.
//
// Kernel command line: vmpilot.cpu=N (CPU burners, default 1), vmpilot.mem=MiB (one
// buffer of non-zero data held by `dd`, default 0) and vmpilot.dirty=MiB/s (how fast that
// buffer is rewritten, default 0 = written once and kept; the MiB really rewritten since
// boot are in the progress line's dirtied=). Workers are reniced to 19 so
// the reporter stays on time; /init has oom_score_adj -1000 and the memory toucher +1000,
// so a balloon squeezed below the working set kills the toucher, not the guest.

/** The virtio-serial port name the guest writes its progress lines to. */
export const PROGRESS_PORT = 'org.vmpilot.0';

export function guestInitScript(modules: readonly string[]): string {
  const insmods = modules.map((m) => `insmod /lib/modules/${m}.ko 2>/dev/null`).join('\n');
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /run && mount -t tmpfs run /run
echo -1000 > /proc/self/oom_score_adj
${insmods}

arg() { v=$(tr ' ' '\\n' < /proc/cmdline | sed -n "s/^vmpilot\\.$1=//p" | tail -n 1); echo "\${v:-$2}"; }
CPU=$(arg cpu 1); MEM=$(arg mem 0); DIRTY=$(arg dirty 0)

# CPU burners: each counts in a loop and publishes its count every 1000 iterations.
k=0
while [ "$k" -lt "$CPU" ]; do
  ( echo 0 > /proc/self/oom_score_adj; i=0
    while :; do i=$((i + 1)); [ $((i % 1000)) -eq 0 ] && echo "$i" > /run/.cpu.$k && mv /run/.cpu.$k /run/cpu.$k; done ) &
  renice -n 19 -p $! >/dev/null
  k=$((k + 1))
done

# Memory toucher: dd holds one MEM MiB buffer; the producer refills it at DIRTY MiB/s
# with random (incompressible, non-zero) data, or once when DIRTY is 0. The producer
# writes DIRTY MiB with ONE cat a second (a fork per MiB cannot keep up under TCG) and
# counts the MiB it wrote in /run/dirtied: the progress line's dirtied= (the rate the
# guest really achieved, whatever it was told).
echo 0 > /run/dirtied
if [ "$MEM" -gt 0 ]; then
  dd if=/dev/urandom of=/run/rand1m bs=1M count=1 2>/dev/null
  ( echo 1000 > /proc/self/oom_score_adj
    if [ "$DIRTY" -gt 0 ]; then
      n=0; while [ "$n" -lt "$DIRTY" ]; do cat /run/rand1m; n=$((n + 1)); done > /run/randd
      t=0; while :; do cat /run/randd; t=$((t + DIRTY)); echo "$t" > /run/.dirtied && mv /run/.dirtied /run/dirtied; sleep 1; done
    else
      n=0; while [ "$n" -lt "$MEM" ]; do cat /run/rand1m; n=$((n + 1)); done; exec sleep 2147483647
    fi | dd of=/dev/null bs=\${MEM}M iflag=fullblock 2>/dev/null ) &
  renice -n 19 -p $! >/dev/null
fi

PORT=
for p in /sys/class/virtio-ports/*; do
  [ "$(cat "$p/name" 2>/dev/null)" = "${PROGRESS_PORT}" ] && PORT=/dev/\${p##*/}
done

while :; do
  # vCPUs hot-added by the host come up offline when no udev runs: bring them online.
  for c in /sys/devices/system/cpu/cpu[0-9]*/online; do
    [ -f "$c" ] && [ "$(cat "$c")" = 0 ] && echo 1 > "$c" 2>/dev/null
  done
  total=0
  for f in /run/cpu.*; do [ -f "$f" ] && total=$((total + $(cat "$f"))); done
  mt=$(sed -n 's/^MemTotal: *\\([0-9]*\\).*/\\1/p' /proc/meminfo)
  ma=$(sed -n 's/^MemAvailable: *\\([0-9]*\\).*/\\1/p' /proc/meminfo)
  line="up=$(cut -d ' ' -f 1 /proc/uptime) cpu=$total MemTotal=$mt MemAvailable=$ma ncpu=$(nproc) dirtied=$(cat /run/dirtied)"
  echo "$line" > /dev/ttyS0
  [ -n "$PORT" ] && echo "$line" > "$PORT"
  sleep 1
done
`;
}
