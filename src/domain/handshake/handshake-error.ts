/** Why a call's SignedToken was refused (wire-profile §2). Messages are built at the edge. */
export type HandshakeError =
  | { readonly kind: 'TokenMissing' }
  | { readonly kind: 'TokenMalformed'; readonly reason: string }
  | { readonly kind: 'TokenAlgorithmRejected'; readonly algorithm: string }
  | { readonly kind: 'TokenKeyUnknown'; readonly keyId: string }
  | { readonly kind: 'TokenSignatureInvalid' }
  | { readonly kind: 'TokenExpired'; readonly expiredAt: number }
  | { readonly kind: 'TokenNotYetValid'; readonly notBefore: number }
  | { readonly kind: 'TokenLifetimeMissing' }
  | { readonly kind: 'TokenLifetimeTooLong'; readonly lifetimeSeconds: number; readonly maxSeconds: number }
  | { readonly kind: 'TokenIssuerRejected'; readonly issuer: string }
  | { readonly kind: 'TokenAudienceRejected'; readonly audience: string }
  | { readonly kind: 'TokenNonceMissing' }
  | { readonly kind: 'TokenNonceReplayed' }
  | { readonly kind: 'ContextIdMissing' }
  | { readonly kind: 'ContextIdInvalid'; readonly contextId: string }
