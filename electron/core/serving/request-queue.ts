/**
 * Admission for generations: `concurrency` run at once (all models together, since they share the
 * CPU), and each key (a served model name) may have at most `maxWaitingPerKey` more waiting; past
 * that, `run` refuses at once with QueueFull instead of letting waits grow without bound. When a
 * slot frees, keys take turns (round robin), so one busy model cannot starve another. A waiter
 * whose signal aborts (its client left) is taken out and never runs.
 */
export class QueueFull extends Error {
  constructor(
    readonly key: string,
    readonly limit: number,
    /** Whole seconds until a place is likely free: what Retry-After says. */
    readonly retryAfterSeconds: number,
  ) {
    super(`${limit} requests for "${key}" are already waiting`);
    this.name = 'QueueFull';
  }
}

interface Waiter {
  start(): void;
  abandon(): void;
}

/** Recent generation times are weighted this much when estimating how long a wait will be. */
const RECENT_WEIGHT = 0.2;
const MAX_RETRY_AFTER_SECONDS = 60;

export class RequestQueue {
  private running = 0;
  /** Waiters per key; the Map's order is the order keys take their turns in. */
  private readonly waiting = new Map<string, Waiter[]>();
  private averageRunMs: number | null = null;

  constructor(private readonly o: { maxWaitingPerKey: number; concurrency?: number }) {}

  get maxWaitingPerKey(): number {
    return this.o.maxWaitingPerKey;
  }

  /** Requests waiting now, for one key or all. */
  waitingCount(key?: string): number {
    if (key !== undefined) return this.waiting.get(key)?.length ?? 0;
    let n = 0;
    for (const list of this.waiting.values()) n += list.length;
    return n;
  }

  runningCount(): number {
    return this.running;
  }

  /**
   * Runs `job` once it is this request's turn. Throws QueueFull at once when the key already has its
   * most waiting, and the signal's reason when it aborts before the job started.
   */
  async run<T>(key: string, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.running >= this.concurrency || this.waitingCount() > 0) await this.wait(key, signal);
    else this.running++;
    const started = performance.now();
    try {
      return await job();
    } finally {
      const ms = performance.now() - started;
      this.averageRunMs = this.averageRunMs === null ? ms : this.averageRunMs * (1 - RECENT_WEIGHT) + ms * RECENT_WEIGHT;
      this.running--;
      this.startNext();
    }
  }

  private get concurrency() {
    return Math.max(1, this.o.concurrency ?? 1);
  }

  private wait(key: string, signal?: AbortSignal): Promise<void> {
    const list = this.waiting.get(key) ?? [];
    if (list.length >= this.o.maxWaitingPerKey) throw new QueueFull(key, this.o.maxWaitingPerKey, this.retryAfterSeconds());
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => waiter.abandon();
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.running++;
          resolve();
        },
        abandon: () => {
          const mine = this.waiting.get(key);
          const at = mine?.indexOf(waiter) ?? -1;
          if (at < 0) return;
          mine!.splice(at, 1);
          if (mine!.length === 0) this.waiting.delete(key);
          reject(signal?.reason ?? new Error('aborted'));
        },
      };
      list.push(waiter);
      this.waiting.set(key, list);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Gives free slots to the key whose turn it is; that key then goes to the back of the line. */
  private startNext() {
    while (this.running < this.concurrency) {
      const next = this.waiting.entries().next();
      if (next.done) return;
      const [key, list] = next.value;
      const waiter = list.shift()!;
      this.waiting.delete(key);
      if (list.length > 0) this.waiting.set(key, list);
      waiter.start();
    }
  }

  /** Everything ahead of a newcomer, at the recent pace; 1 s before any generation has finished. */
  private retryAfterSeconds(): number {
    const ahead = (this.waitingCount() + this.running) / this.concurrency;
    const ms = (this.averageRunMs ?? 1000) * Math.max(1, ahead);
    return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(ms / 1000)));
  }
}
