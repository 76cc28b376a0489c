// The suite ships with the package (tenant-mirror/testing/mirror-database-contract); the adapter tests run it from here.
export { type ContractSubject, describeMirrorDatabaseContract } from '../../src/testing/mirror-database-contract.ts'
