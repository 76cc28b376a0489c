/** One (tenant, application) pair whose cycle is to run. */
export interface CyclePair {
  readonly contextId: string
  readonly clientId: string
}

/**
 * Where due cycles go to be run. The in-process queue runs them here with a concurrency limit;
 * a distributed job queue can take its place to spread cycles over machines. Whatever runs
 * them must never run two cycles of one pair at once.
 */
export interface CycleQueue {
  /** Queues the pair unless it is already queued or running; says whether it was queued. */
  enqueue(pair: CyclePair): Promise<boolean>
  /** Pairs queued or running now. */
  busy(): Promise<readonly CyclePair[]>
  /** Stops taking work and waits for the cycles in flight. */
  close(): Promise<void>
}
