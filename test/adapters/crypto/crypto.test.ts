import { generateKeyPairSync, sign, verify, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { JoseTokenVerifier } from '../../../src/adapters/crypto/jose-token-verifier.ts'
import { NodeApplicationTokenSigner } from '../../../src/adapters/crypto/node-application-token-signer.ts'
import { privateKeyFrom } from '../../../src/adapters/crypto/private-key.ts'
import { keyFromRsaXml, rsaXmlFromKey } from '../../../src/adapters/crypto/rsa-key-xml.ts'
import {
  environmentCertificatePath,
  loadEnvironmentKey,
  verificationKeyFrom,
} from '../../../src/adapters/crypto/verification-keys.ts'
import { readSample, SAMPLE_FILES } from '../../support/fixtures.ts'
import { federatedPublicPem, testKeys } from '../../support/test-keys.ts'
import { forgeToken, mintToken } from '../../support/tokens.ts'

const sampleToken = (file: string) => /SignedToken[^>]*>\s*([\w.-]+)\s*</.exec(readSample(file))![1]!

describe('federated-login certificates', () => {
  it.each([
    ['development', '16B7FB8C3F9AB06885A800C64E64C97C4AB5E98C'],
    ['stage', '484903A7732B928C7980A39D38E947EA119F1089'],
    ['production', '60B61583DBB2B7EEC46FD01EC0056E62451D61F3'],
  ] as const)('bundles the %s certificate (thumbprint %s)', (environment, thumbprint) => {
    expect(loadEnvironmentKey(environment).thumbprint).toBe(thumbprint)
  })

  it('reads a certificate as PEM or DER, and a bare PEM public key', async () => {
    const pem = readFileSync(environmentCertificatePath('development'))
    const der = new X509Certificate(pem).raw
    expect(verificationKeyFrom(der, 'der').thumbprint).toBe(verificationKeyFrom(pem, 'pem').thumbprint)
    const bare = verificationKeyFrom(Buffer.from(await federatedPublicPem()), 'public key')
    expect(bare.thumbprint).toBeUndefined()
    expect(bare.key.asymmetricKeyType).toBe('rsa')
  })

  it('refuses a key that is not RSA', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }) as string)
    expect(() => verificationKeyFrom(pem, 'ec.pem')).toThrow(/RSA/)
  })
})

describe('JoseTokenVerifier', () => {
  const development = new JoseTokenVerifier([loadEnvironmentKey('development')])

  it.each(SAMPLE_FILES)('verifies the signature of the SignedToken in %s', async (file) => {
    const claims = await development.verify(sampleToken(file))
    expect(claims).toMatchObject({
      ok: true,
      value: { iss: 'SuperOffice AS', aud: 'spn:6cf25376616343b38d14ddcd804f2891' },
    })
  })

  it('refuses sample tokens with the production certificate: the kid names another key', async () => {
    const production = new JoseTokenVerifier([loadEnvironmentKey('production')])
    expect(await production.verify(sampleToken('SampleWipeRequest.xml'))).toMatchObject({
      ok: false,
      error: { kind: 'TokenKeyUnknown', keyId: '16B7FB8C3F9AB06885A800C64E64C97C4AB5E98C' },
    })
  })

  it('tries keys without a thumbprint when the kid matches none', async () => {
    const verifier = new JoseTokenVerifier([verificationKeyFrom(Buffer.from(await federatedPublicPem()), 'test')])
    expect((await verifier.verify(await mintToken())).ok).toBe(true)
    const other = new JoseTokenVerifier([loadEnvironmentKey('development')])
    expect(await other.verify(await mintToken())).toMatchObject({ error: { kind: 'TokenSignatureInvalid' } })
  })

  it.each([
    ['none', forgeToken({ alg: 'none' }, { sub: 'x' }, '')],
    ['HS256', forgeToken({ alg: 'HS256' }, { sub: 'x' }, 'c2ln')],
    ['RS512', forgeToken({ alg: 'RS512' }, { sub: 'x' }, 'c2ln')],
    ['missing', forgeToken({ typ: 'JWT' }, { sub: 'x' }, 'c2ln')],
  ])('refuses alg %s before touching a key', async (alg, token) => {
    expect(await development.verify(token)).toMatchObject({ ok: false, error: { kind: 'TokenAlgorithmRejected' } })
    expect(alg).toBeTruthy()
  })

  it('refuses what a signature cannot vouch for: a crit header, a part not base64url, a short key, a payload not an object', async () => {
    const { federatedPrivate } = testKeys()
    const signed = (header: Record<string, unknown>, payload: string | Buffer) => {
      const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`
      return `${input}.${sign('sha256', Buffer.from(input), federatedPrivate).toString('base64url')}`
    }
    const verifier = new JoseTokenVerifier([verificationKeyFrom(Buffer.from(await federatedPublicPem()), 'test')])
    expect(await verifier.verify(signed({ alg: 'RS256' }, '{"sub":"x"}'))).toEqual({ ok: true, value: { sub: 'x' } })
    expect(await verifier.verify(signed({ alg: 'RS256', crit: ['exp'] }, '{"sub":"x"}'))).toMatchObject({
      error: { kind: 'TokenMalformed', reason: 'crit header not supported' },
    })
    const good = signed({ alg: 'RS256' }, '{"sub":"x"}')
    for (const bad of [`${good.slice(0, -2)}+/`, `${good}=`, good.replace('.', '.=')]) {
      expect(await verifier.verify(bad)).toMatchObject({ error: { kind: 'TokenMalformed', reason: 'not a valid JWS' } })
    }
    // The signature's first character changed (its last carries bits the decoder drops).
    const at = good.lastIndexOf('.') + 1
    const flipped = `${good.slice(0, at)}${good[at] === 'A' ? 'B' : 'A'}${good.slice(at + 1)}`
    expect(await verifier.verify(flipped)).toMatchObject({ error: { kind: 'TokenSignatureInvalid' } })
    // The same signature spelt another way: its last character's spare bits changed.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const twin = `${good.slice(0, -1)}${alphabet[alphabet.indexOf(good.at(-1)!) ^ 1]}`
    const spare = (t: string) => Buffer.from(t.slice(t.lastIndexOf('.') + 1), 'base64url')
    expect(spare(twin)).toEqual(spare(good))
    expect(await verifier.verify(twin)).toMatchObject({ error: { kind: 'TokenMalformed', reason: 'not a valid JWS' } })
    expect(await verifier.verify(signed({ alg: 'RS256' }, '[1]'))).toMatchObject({
      error: { kind: 'TokenMalformed', reason: 'payload is not a JSON object' },
    })
    expect(await verifier.verify(signed({ alg: 'RS256' }, '{"sub":'))).toMatchObject({
      error: { kind: 'TokenMalformed', reason: 'payload is not JSON' },
    })
    expect(await verifier.verify(signed({ alg: 'RS256' }, Buffer.from([0x7b, 0xff, 0x7d])))).toMatchObject({
      error: { kind: 'TokenMalformed', reason: 'not a valid JWS' },
    })
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const input = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}`
    const token = `${input}.${sign('sha256', Buffer.from(input), short.privateKey).toString('base64url')}`
    const shortVerifier = new JoseTokenVerifier([
      verificationKeyFrom(Buffer.from(short.publicKey.export({ type: 'spki', format: 'pem' })), 'short'),
    ])
    expect(await shortVerifier.verify(token)).toMatchObject({ error: { kind: 'TokenSignatureInvalid' } })
  })

  it.each(['', 'abc', 'a.b', '%%%.%%%.%%%', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30`])(
    'refuses malformed token %j',
    async (token) => {
      expect((await development.verify(token)).ok).toBe(false)
    },
  )
})

describe('partner keys', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })

  it('reads the .NET RSAKeyValue XML, private and public, also inside RSAKeyPair', () => {
    const xml = rsaXmlFromKey(privateKey, true)
    expect(xml).toMatch(/^<RSAKeyValue><Modulus>.+<\/D><\/RSAKeyValue>$/)
    const read = keyFromRsaXml(`<RSAKeyPair>\n  ${xml.replace('<Exponent>', '\n<Exponent>')}\n</RSAKeyPair>`)
    expect(read.type).toBe('private')
    const signature = sign('sha256', Buffer.from('x'), read)
    expect(verify('sha256', Buffer.from('x'), publicKey, signature)).toBe(true)
    const pub = keyFromRsaXml(rsaXmlFromKey(publicKey, false))
    expect(pub.type).toBe('public')
    expect(verify('sha256', Buffer.from('x'), pub, signature)).toBe(true)
  })

  it('reads PKCS#8 and PKCS#1 PEM', () => {
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string
    expect(privateKeyFrom(pkcs8, 'a.pem').type).toBe('private')
    expect(privateKeyFrom(pkcs1, 'b.pem').type).toBe('private')
  })

  it('says which file is wrong, and never what is in it', () => {
    const secret = '-----BEGIN PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END PRIVATE KEY-----'
    expect(() => privateKeyFrom(secret, 'key.pem')).toThrow(/^key.pem is not a readable RSA private key/)
    try {
      privateKeyFrom(secret, 'key.pem')
    } catch (error) {
      expect(String(error)).not.toContain('TOPSECRETMATERIAL')
    }
    const pub = publicKey.export({ type: 'spki', format: 'pem' }) as string
    expect(() => privateKeyFrom(pub, 'pub.pem')).toThrow(/public key/)
    expect(() => privateKeyFrom('<RSAKeyValue><Modulus>AQAB</Modulus></RSAKeyValue>', 'k.xml')).toThrow(/Exponent/)
    expect(() => privateKeyFrom('<!DOCTYPE x [<!ENTITY e "x">]><RSAKeyValue/>', 'evil.xml')).toThrow(/DOCTYPE/)
  })

  it('signs the Authenticate reply with RSASSA-PKCS1-v1_5 SHA-256 in standard base64', async () => {
    const signer = new NodeApplicationTokenSigner(testKeys().partnerPrivate)
    const signature = await signer.sign('NONCE.202601011200')
    expect(signature).toMatch(/^[A-Za-z0-9+/]+=*$/)
    expect(Buffer.from(signature, 'base64')).toHaveLength(256)
    expect(
      verify('sha256', Buffer.from('NONCE.202601011200'), testKeys().partnerPublic, Buffer.from(signature, 'base64')),
    ).toBe(true)
  })
})
