/**
 * What the service knows of a tenant from its calls: the last call, success, completed cycle
 * and error, and the cycle in progress. A cycle is the calls from an Authenticate to the
 * ReplicationCompleted that ends it; a failed call ends it as failed, and an Authenticate that
 * finds one still open ends that one as abandoned (its task stopped, or lost its reply).
 */
export interface TenantActivityState {
  readonly lastCallAt: number | undefined
  readonly lastCallOperation: string | undefined
  readonly lastCallOutcome: string | undefined
  readonly lastSuccessAt: number | undefined
  readonly lastCompletedAt: number | undefined
  readonly lastError: ActivityError | undefined
  readonly cycle: OpenCycle | undefined
}

export interface ActivityError {
  readonly at: number
  readonly operation: string
  readonly message: string
  readonly reference: string | undefined
}

export interface OpenCycle {
  readonly startedAt: number
  readonly rows: number
  readonly calls: number
}

export interface ClosedCycle {
  readonly startedAt: number
  readonly endedAt: number
  readonly outcome: 'ok' | 'failed' | 'abandoned'
  readonly rows: number
  readonly calls: number
  readonly error: string | undefined
  readonly reference: string | undefined
}

/** A call of the tenant's, as far as its activity goes. */
export interface ActivityCall {
  readonly at: number
  readonly operation: string
  readonly outcome: 'ok' | 'failed' | 'fault'
  readonly error?: string
  readonly reference?: string
  readonly rows: number
}

export const NO_ACTIVITY: TenantActivityState = {
  lastCallAt: undefined,
  lastCallOperation: undefined,
  lastCallOutcome: undefined,
  lastSuccessAt: undefined,
  lastCompletedAt: undefined,
  lastError: undefined,
  cycle: undefined,
}

/** The state after a call, and the cycles the call ended (at most two: an abandoned one and its own). */
export function afterCall(
  state: TenantActivityState,
  call: ActivityCall,
): { state: TenantActivityState; closed: ClosedCycle[] } {
  const closed: ClosedCycle[] = []
  const last = { lastCallAt: call.at, lastCallOperation: call.operation, lastCallOutcome: call.outcome }
  if (call.outcome !== 'ok') {
    const error: ActivityError = {
      at: call.at,
      operation: call.operation,
      message: call.error ?? `${call.operation} failed`,
      reference: call.reference,
    }
    if (state.cycle) closed.push(close(state.cycle, call, 'failed', error))
    return { state: { ...state, ...last, lastError: error, cycle: undefined }, closed }
  }
  const succeeded = { ...state, ...last, lastSuccessAt: call.at }
  if (call.operation === 'Authenticate') {
    if (state.cycle) closed.push(close(state.cycle, { ...call, at: state.lastCallAt ?? call.at }, 'abandoned'))
    return { state: { ...succeeded, cycle: { startedAt: call.at, rows: 0, calls: 1 } }, closed }
  }
  const cycle = state.cycle && { ...state.cycle, rows: state.cycle.rows + call.rows, calls: state.cycle.calls + 1 }
  if (call.operation === 'ReplicationCompleted') {
    if (cycle) closed.push(close(cycle, call, 'ok'))
    return { state: { ...succeeded, lastCompletedAt: call.at, lastError: undefined, cycle: undefined }, closed }
  }
  return { state: { ...succeeded, cycle }, closed }
}

function close(
  cycle: OpenCycle,
  call: ActivityCall,
  outcome: ClosedCycle['outcome'],
  error?: ActivityError,
): ClosedCycle {
  const own = outcome === 'abandoned' ? 0 : 1
  return {
    startedAt: cycle.startedAt,
    endedAt: call.at,
    outcome,
    rows: cycle.rows,
    calls: cycle.calls + (outcome === 'failed' ? own : 0),
    error: error?.message,
    reference: error?.reference,
  }
}
