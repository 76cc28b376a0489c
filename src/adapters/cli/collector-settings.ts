import { setFlagsFromString } from 'node:v8'

/**
 * V8 settings of the collector that the process can still take once it runs. Allocation-site
 * pretenuring: V8 watches where objects that survive a scavenge were allocated and from then on
 * allocates there in the old generation. A RowData call's data lives for the call, a few tens of
 * milliseconds, sometimes across a scavenge or two (MariaDB's bulk path keeps a call's text while
 * the server loads it); V8 took it for long-lived, and a full load into MariaDB moved ten times as
 * much to the old generation (194 against 18 MB in 300,000 rows) and ran more full collections
 * once the old generation had room to take it (--initial-old-space-size, bin/tenant-mirror.js).
 * Set here rather than beside the heap flags so that the bin's shebang line stays under the 127
 * bytes older Linux kernels read of it. V8 reads this flag at each scavenge, so it holds for what
 * the process allocates from here on (measured: the same promotion as on the command line).
 */
export function tuneCollector(): void {
  setFlagsFromString('--no-allocation-site-pretenuring')
}
