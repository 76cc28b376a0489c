import { DEFAULT_SOAP_CLIENT_OPTIONS, SoapMirroringClient } from '../src/adapters/task/soap/soap-mirroring-client.ts'
import type { MirroringClient, MirroringClientFactory } from '../src/application/task/ports/mirroring-client.port.ts'

/**
 * The task's real SOAP client, counting the RowData bytes it sends and timing every call by
 * operation, so that a benchmark reports SOAP MB/s and the service's time per operation.
 */
export class MeasuringClients implements MirroringClientFactory {
  bytes = 0
  readonly timings = new Map<string, number[]>()

  /** `n calls, s in calls`: how much of a run the task spent waiting on the service. */
  describe(operation: string): string {
    const times = this.timings.get(operation) ?? []
    const seconds = times.reduce((a, b) => a + b, 0) / 1000
    return `${times.length} ${operation} calls, ${seconds.toFixed(2)} s waiting on them`
  }

  forUrl(url: string): MirroringClient {
    const inner = new SoapMirroringClient(url, { ...DEFAULT_SOAP_CLIENT_OPTIONS, maxResponseBytes: 64 * 1024 * 1024 })
    const timed =
      <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const started = performance.now()
        if (process.env.TM_BENCH_DEBUG) process.stderr.write(`${operation} start ${started.toFixed(0)}\n`)
        try {
          return await call(...args)
        } finally {
          const list = this.timings.get(operation) ?? []
          list.push(performance.now() - started)
          if (process.env.TM_BENCH_DEBUG) process.stderr.write(`${operation} end ${performance.now().toFixed(0)}\n`)
          this.timings.set(operation, list)
        }
      }
    return {
      authenticate: timed('Authenticate', (t) => inner.authenticate(t)),
      tableSchema: timed('TableSchema', (t, tables) => inner.tableSchema(t, tables)),
      rowData: timed('RowData', (t, batches) => {
        for (const b of batches) this.bytes += inner.overhead(b.table) + b.rows.reduce((n, r) => n + r.bytes, 0)
        return inner.rowData(t, batches)
      }),
      wipe: timed('Wipe', (t, table) => inner.wipe(t, table)),
      replicationCompleted: timed('ReplicationCompleted', (t, s) => inner.replicationCompleted(t, s)),
      encodeRow: (row) => inner.encodeRow(row),
      rowEncoder: (table) => inner.rowEncoder(table),
      overhead: (table) => inner.overhead(table),
    }
  }
}
