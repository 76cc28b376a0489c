import type { RegisteredApplication } from '../../../domain/registry/registered-application.ts'
import type { Approval, CycleOutcome, PairStatus, Tenant } from '../../../domain/registry/tenant.ts'

export type ApplicationPatch = Partial<
  Pick<RegisteredApplication, 'mirroringEnabled' | 'mirroringUrl' | 'publicKey' | 'name'>
>
export type TenantPatch = Partial<Pick<Tenant, 'sourceUrl' | 'skipTable' | 'batchSize'>>

/**
 * SuperOffice's Operations Center in miniature: applications, tenants, approvals, and the
 * scheduler's record of each pair. Writes are single statements; reads return copies.
 */
export interface Registry {
  addApplication(app: RegisteredApplication): Promise<void>
  application(clientId: string): Promise<RegisteredApplication | undefined>
  applications(): Promise<readonly RegisteredApplication[]>
  /** Returns false when there is no such application. */
  updateApplication(clientId: string, patch: ApplicationPatch): Promise<boolean>

  addTenant(tenant: Tenant): Promise<void>
  tenant(contextId: string): Promise<Tenant | undefined>
  tenants(): Promise<readonly Tenant[]>
  updateTenant(contextId: string, patch: TenantPatch): Promise<boolean>

  /** Approving again keeps the first approval. */
  approve(contextId: string, clientId: string, at: number): Promise<void>
  /** Returns false when there was no approval. */
  revoke(contextId: string, clientId: string): Promise<boolean>
  approvals(): Promise<readonly Approval[]>

  recordCycleStart(contextId: string, clientId: string, at: number): Promise<void>
  recordCycleEnd(contextId: string, clientId: string, at: number, outcome: CycleOutcome, error?: string): Promise<void>
  pairStatuses(): Promise<readonly PairStatus[]>

  close(): Promise<void>
}
