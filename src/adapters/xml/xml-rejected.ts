export type XmlRejection =
  | 'malformed'
  | 'doctype'
  | 'processing-instruction'
  | 'too-deep'
  | 'too-many-elements'
  | 'too-dense'

/** Thrown while reading a document that must not be accepted; the message names no content. */
export class XmlRejected extends Error {
  readonly reason: XmlRejection

  constructor(reason: XmlRejection, message: string) {
    super(message)
    this.name = 'XmlRejected'
    this.reason = reason
  }
}
