/**
 * Runs `stop` once on the first SIGINT or SIGTERM, and keeps listening after (a second Ctrl-C while
 * stopping changes nothing). Listeners stay with `on`, never `once`: node-llama-cpp loads
 * signal-exit, which re-raises the signal, killing the process mid-stop, when it finds itself the
 * only listener left, as it does once a `once` listener has removed itself. Returns the remover.
 */
export function onStopSignals(stop: () => void, signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): () => void {
  let stopping = false;
  const listener = () => {
    if (stopping) return;
    stopping = true;
    stop();
  };
  for (const s of signals) process.on(s, listener);
  return () => {
    for (const s of signals) process.off(s, listener);
  };
}
