/** The tenant's metadata table, `<contextId>_mirroring` (protocol.md §1.2). */
export function metadataTableName(contextId: string): string {
  return `${contextId}_mirroring`
}
