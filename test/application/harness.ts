import type { KeyedMutex } from '../../src/application/keyed-mutex.ts'
import type { MirrorDatabaseProvider } from '../../src/application/ports/mirror-database.port.ts'
import { mirroringHarness } from '../../src/testing/harness.ts'

/** The package's harness (tenant-mirror/testing): the five use cases over in-memory fakes only. */
export function harness(mirrors?: MirrorDatabaseProvider, locks?: KeyedMutex) {
  return mirroringHarness({ mirrors, locks })
}
