/** What every trigger-based source needs besides its URL. */
export interface SourceOptions {
  /** How long recorded changes are kept (SuperOffice keeps its change tracking for 2 days). */
  readonly retentionMs: number
  /** Milliseconds since 1970; tests move it to run retention. */
  readonly clock: () => number
}

export const DEFAULT_RETENTION_MS = 2 * 24 * 60 * 60 * 1000
