import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildContainer } from '../../../src/adapters/bootstrap/container.ts'
import { T } from '../../../src/adapters/bootstrap/tokens.ts'
import { generatePartnerKeys } from '../../../src/adapters/crypto/key-files.ts'
import { InMemoryMirrorDatabases } from '../../../src/adapters/memory/in-memory-mirror-database.ts'
import { authenticateCall } from '../../support/envelopes.ts'
import { samplePath } from '../../support/fixtures.ts'
import { post } from '../../support/http.ts'
import { testConfig } from '../../support/test-service.ts'

describe('composition root', () => {
  it('wires every service from configuration alone, once', async () => {
    const keys = generatePartnerKeys(join(mkdtempSync(join(tmpdir(), 'tm-wire-')), 'k'))
    const container = buildContainer(
      testConfig({
        privateKeyFile: keys.privatePem,
        federated: { kind: 'files', files: [samplePath('../certs/federated-login.development.crt')] },
      }),
    )
    expect(container.get(T.HttpApp)).toBe(container.get(T.HttpApp))
    expect(container.get(T.Mirrors)).toBeInstanceOf(InMemoryMirrorDatabases)
    const reply = await post(container.get(T.HttpApp), await authenticateCall())
    // The test token is not signed by the development certificate: refused, but by the wired verifier.
    expect(reply.successful).toBe(false)
    expect(reply.error).toMatch(/signature does not verify/)
  })
})
