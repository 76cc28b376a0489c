/** Signs the Authenticate reply: RSASSA-PKCS1-v1_5 SHA-256 over UTF-8 text, standard base64 out. */
export interface ApplicationTokenSigner {
  sign(text: string): Promise<string>
}
