/** Ends a cycle: the message goes to the tenant's event log; the next cycle starts over from the mirror's LSNs. */
export class CycleFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CycleFailure'
  }
}

/** Unwraps a client call's outcome, turning `IsSuccessful=false` into a CycleFailure naming the operation. */
export function required<T>(operation: string, outcome: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!outcome.ok) throw new CycleFailure(`${operation} failed at the mirroring client service: ${outcome.error}`)
  return outcome.value
}
