/** Hashes a schema fingerprint (domain/schema/schema-fingerprint.ts) to the text stored in the metadata table. */
export interface SchemaHasher {
  hash(fingerprint: string): string
}
