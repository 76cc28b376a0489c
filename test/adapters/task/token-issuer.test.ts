import { createHash, createPrivateKey, generateKeyPairSync, sign, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeProtectedHeader, SignJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { JoseTokenVerifier } from '../../../src/adapters/crypto/jose-token-verifier.ts'
import { rsaXmlFromKey } from '../../../src/adapters/crypto/rsa-key-xml.ts'
import { loadVerificationKey } from '../../../src/adapters/crypto/verification-keys.ts'
import { generateFederatedKeys } from '../../../src/adapters/task/crypto/federated-keys.ts'
import { NodePartnerSignatureVerifier } from '../../../src/adapters/task/crypto/node-partner-verifier.ts'
import { Rs256TokenIssuer } from '../../../src/adapters/task/crypto/rs256-token-issuer.ts'
import { tokenClaims } from '../../../src/domain/task/issued-token.ts'

const dir = mkdtempSync(join(tmpdir(), 'tm-issuer-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('Rs256TokenIssuer with generated federated-login keys', () => {
  const files = generateFederatedKeys(join(dir, 'fed'))
  const issuer = Rs256TokenIssuer.fromFiles(files.privateKey, files.certificate)

  it('writes a 10-year self-signed certificate and an owner-only key', () => {
    const cert = new X509Certificate(readFileSync(files.certificate))
    expect(cert.subject).toBe('CN=tenant-mirror federated login')
    expect(cert.verify(cert.publicKey)).toBe(true)
    expect(new Date(cert.validTo).getUTCFullYear()).toBeGreaterThanOrEqual(new Date().getUTCFullYear() + 9)
  })

  it('signs RS256 with kid and x5t of the certificate, in SuperOffice header order', async () => {
    const token = await issuer.issue(tokenClaims('Cust1', 'app1', 'ABCDEF', Date.now()))
    const header = decodeProtectedHeader(token)
    const der = new X509Certificate(readFileSync(files.certificate)).raw
    const sha1 = createHash('sha1').update(der).digest()
    expect(Object.keys(header)).toEqual(['alg', 'kid', 'x5t', 'typ'])
    expect(header).toEqual({
      alg: 'RS256',
      kid: sha1.toString('hex').toUpperCase(),
      x5t: sha1.toString('base64url'),
      typ: 'JWT',
    })
  })

  it("is accepted by the client service's verifier configured with the certificate", async () => {
    const verifier = new JoseTokenVerifier([loadVerificationKey(files.certificate)])
    const token = await issuer.issue(tokenClaims('Cust1', 'app1', 'ABCDEF', Date.now()))
    const result = await verifier.verify(token)
    expect(result).toMatchObject({ ok: true, value: { sub: 'Cust1', aud: 'spn:app1', nonce: 'ABCDEF' } })
    const other = generateFederatedKeys(join(dir, 'other'))
    const stranger = new JoseTokenVerifier([loadVerificationKey(other.certificate)])
    expect((await stranger.verify(token)).ok).toBe(false)
  })

  it("writes exactly jose's compact JWS of the same header and claims", async () => {
    const claims = tokenClaims('Cust1', 'app1', 'ABCDEF', Date.now())
    const token = await issuer.issue(claims)
    const [header] = token.split('.')
    const byJose = await new SignJWT({ ...claims })
      .setProtectedHeader(JSON.parse(Buffer.from(header!, 'base64url').toString()))
      .sign(createPrivateKey(readFileSync(files.privateKey)))
    expect(token).toBe(byJose)
  })

  it('refuses a key that is not RSA, or shorter than 2,048 bits, before it signs anything', () => {
    const certificate = new X509Certificate(readFileSync(files.certificate))
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    expect(() => new Rs256TokenIssuer(ec, certificate)).toThrow(/not an RSA key/)
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey
    expect(() => new Rs256TokenIssuer(short, certificate)).toThrow(/1024 bits; RS256 needs at least 2048/)
  })

  it('refuses a key that does not belong to the certificate', () => {
    const other = generateFederatedKeys(join(dir, 'other2'))
    expect(() => Rs256TokenIssuer.fromFiles(other.privateKey, files.certificate)).toThrow(/does not belong/)
  })
})

describe('NodePartnerSignatureVerifier', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const input = 'BDB65A558F193A8DD88E50E7416C0D86.202109161124'
  const signature = sign('sha256', Buffer.from(input), privateKey)
  const verifier = new NodePartnerSignatureVerifier()

  it('verifies with a PEM key and with the RSAKeyValue XML the portal holds', () => {
    expect(verifier.verify(publicKey.export({ type: 'spki', format: 'pem' }) as string, input, signature)).toBe(true)
    expect(verifier.verify(publicKey.export({ type: 'pkcs1', format: 'pem' }) as string, input, signature)).toBe(true)
    expect(verifier.verify(rsaXmlFromKey(publicKey, false), input, signature)).toBe(true)
  })

  it('refuses another input, another key and an unreadable key', () => {
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
    expect(verifier.verify(pem, `${input}0`, signature)).toBe(false)
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
    expect(verifier.verify(other.export({ type: 'spki', format: 'pem' }) as string, input, signature)).toBe(false)
    expect(verifier.verify('not a key', input, signature)).toBe(false)
  })
})
