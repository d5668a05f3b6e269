/**
 * How a child process we fork learns that its parent is gone. A parent killed with SIGKILL runs no
 * code on the way down, so the child must notice by itself; otherwise it is adopted by init and
 * goes on (a trainer rewriting a checkpoint nobody will read, a devnet holding a port).
 *
 * Two signs, either of which suffices:
 * - the IPC channel closes ('disconnect'): the parent's end of the pipe (socketpair on POSIX, named
 *   pipe on Windows) is closed by the kernel when the parent dies, on every platform;
 * - polled every `pollMs`: process.ppid is no longer the parent's (POSIX re-parents orphans), or the
 *   parent's pid no longer exists (Windows keeps the old ppid).
 * The poll is the fallback for a child whose event loop was blocked when the channel closed, or one
 * that was forked without IPC.
 */
export function watchParent(onParentGone: () => void, pollMs = 500): { stop(): void } {
  const parent = process.ppid;
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    stop();
    onParentGone();
  };
  const timer = setInterval(() => {
    if (process.ppid !== parent || !pidExists(parent)) fire();
  }, pollMs);
  // The watch alone must not keep the child running.
  timer.unref();
  const onDisconnect = () => fire();
  if (process.send) {
    process.once('disconnect', onDisconnect);
    // The parent may have died before this process got this far.
    if (!process.connected) setImmediate(fire);
  }
  function stop() {
    clearInterval(timer);
    process.off('disconnect', onDisconnect);
  }
  return { stop };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
