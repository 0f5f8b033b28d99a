// libvirt's default event loop, run on a koffi worker thread while connections need it.
//
// Keepalive (virConnectSetKeepAlive) only works when the client runs an event loop: the
// remote driver answers and sends keepalive messages from it. virEventRegisterDefaultImpl
// must precede the first virConnectOpen (done in `registerEventLoop`). The loop thread is
// one of libuv's pool threads, looping `virEventRunDefaultImpl` (one iteration per call)
// while at least one connection holds it. Releasing the last hold wakes the loop with a
// zero-delay timer so it returns, and the process can exit.
import koffi from 'koffi';
import { callAsync, libvirt, VirEventTimeoutCallback } from './ffi';

let registered = false;
let holders = 0;
let running: Promise<void> | undefined;
let wakeCallback: unknown;

/** Registers libvirt's default event implementation once (before any connection opens). */
export function registerEventLoop(): void {
  if (registered) return;
  const { fn } = libvirt();
  if (fn.virEventRegisterDefaultImpl() < 0) throw new Error('virEventRegisterDefaultImpl failed');
  registered = true;
}

async function loop(): Promise<void> {
  const { fn } = libvirt();
  while (holders > 0) {
    // Returns after one iteration: a timer fired or a socket had data.
    if ((await callAsync<number>(fn.virEventRunDefaultImpl)) < 0) break;
  }
  running = undefined;
}

/** Keeps the event loop running until the returned release function is called. */
export function holdEventLoop(): () => void {
  registerEventLoop();
  holders += 1;
  running ??= loop();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0) wake();
  };
}

/** Adds a one-shot zero-delay libvirt timer so the loop's poll() returns. */
function wake(): void {
  const { fn } = libvirt();
  wakeCallback ??= koffi.register((timer: number) => {
    fn.virEventRemoveTimeout(timer);
  }, koffi.pointer(VirEventTimeoutCallback));
  fn.virEventAddTimeout(0, wakeCallback, null, null);
}

/** Resolves when the loop thread has returned (after the last release). */
export async function eventLoopStopped(): Promise<void> {
  await running;
}
