import { type ClientRequest, Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions, request as httpsRequest } from 'node:https'

/** A reply's head; `text()` reads its body, `discard()` drops it. */
export interface PostedReply {
  readonly status: number
  readonly statusText: string
  header(name: string): string | undefined
  /** The body as text, refused past `limit` bytes. */
  text(limit: number): Promise<string>
  discard(): void
}

/** Why a POST got no reply: `code` is the socket's error code or a short reason, never a body. */
export class PostFailed extends Error {
  readonly code: string
  /**
   * The request went on a kept-alive connection that the other side had closed, before any of
   * the reply came: the server most likely closed it as idle as the request left, and never read
   * it. Worth sending again, on another connection.
   */
  readonly staleConnection: boolean
  constructor(code: string, options?: { cause?: unknown; staleConnection?: boolean }) {
    super(code, options)
    this.name = 'PostFailed'
    this.code = code
    this.staleConnection = options?.staleConnection ?? false
  }
}

/** How a connection closed by the other side shows on a request written to it. */
const CLOSED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])

/** The reply did not come, whole, within the time allowed. */
export class PostTimedOut extends Error {
  constructor() {
    super('no reply in time')
    this.name = 'PostTimedOut'
  }
}

/** A reply bigger than the client accepts. */
export class ReplyTooLarge extends Error {
  constructor(limit: number) {
    super(`reply larger than ${limit} bytes`)
    this.name = 'ReplyTooLarge'
  }
}

/**
 * POSTs over Node's own HTTP client with kept-alive connections. Not fetch: fetch copies a byte
 * body and encodes a text one into a fresh buffer for every call, and a megabyte of fresh memory
 * a call costs the task about 2 ms in page faults on the machines measured (docs/performance.md).
 * Here the caller's bytes go to the socket as they are, and `sent` settles once the request is
 * done with them, so the caller can write its next body into the same buffer.
 */
export class HttpPoster {
  // Idle kept-alive sockets are unreferenced by Node's agent: they do not hold the process open.
  readonly #http = new HttpAgent({ keepAlive: true })
  readonly #https: HttpsAgent

  /** `tls`: for HTTPS, e.g. `ca` to trust a private authority; certificates are always checked. */
  constructor(tls: Pick<HttpsAgentOptions, 'ca'> = {}) {
    this.#https = new HttpsAgent({ ...tls, keepAlive: true })
  }

  /**
   * Sends `body`; the reply's head resolves `reply`. `deadline` (a Date.now() time) bounds the
   * whole exchange, the reply's body included: past it the request is torn down.
   */
  post(
    url: URL,
    headers: Readonly<Record<string, string>>,
    body: Uint8Array,
    deadline: number,
  ): { readonly reply: Promise<PostedReply>; readonly sent: Promise<void> } {
    const secure = url.protocol === 'https:'
    let request: ClientRequest
    try {
      request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: secure ? this.#https : this.#http,
        headers: { ...headers, 'content-length': String(body.byteLength) },
      })
    } catch (error) {
      // A URL Node will not post to (another protocol, say) is refused here, before any socket.
      return { reply: Promise.reject(asPostFailed(error)), sent: Promise.resolve() }
    }
    let timedOut = false
    let answered = false
    const timer = setTimeout(
      () => {
        timedOut = true
        request.destroy(new PostTimedOut())
      },
      Math.max(0, deadline - Date.now()),
    )
    const failure = (error: unknown) =>
      timedOut ? new PostTimedOut() : asPostFailed(error, request.reusedSocket && !answered)
    const sent = new Promise<void>((resolve) => request.once('close', resolve)).finally(() => clearTimeout(timer))
    const reply = new Promise<PostedReply>((resolve, reject) => {
      // `on`, not `once`: a second error with no listener would be thrown at the process.
      request.on('error', (error) => reject(failure(error)))
      request.once('response', (response) => {
        answered = true
        resolve(postedReply(response, request.destroy.bind(request), failure))
      })
    })
    request.end(body)
    return { reply, sent }
  }
}

function postedReply(
  response: IncomingMessage,
  abort: (error?: Error) => void,
  failure: (error: unknown) => Error,
): PostedReply {
  return {
    status: response.statusCode ?? 0,
    statusText: response.statusMessage ?? '',
    header: (name) => {
      const value = response.headers[name.toLowerCase()]
      return Array.isArray(value) ? value.join(', ') : value
    },
    async text(limit) {
      const decoder = new TextDecoder('utf-8')
      let received = 0
      let text = ''
      try {
        for await (const chunk of response as AsyncIterable<Uint8Array>) {
          received += chunk.byteLength
          if (received > limit) {
            abort()
            throw new ReplyTooLarge(limit)
          }
          text += decoder.decode(chunk, { stream: true })
        }
      } catch (error) {
        throw error instanceof ReplyTooLarge ? error : failure(error)
      }
      return text + decoder.decode()
    },
    discard: () => {
      response.resume()
    },
  }
}

function asPostFailed(error: unknown, reused = false): PostFailed {
  if (error instanceof PostFailed) return error
  const e = error as { code?: unknown; message?: unknown }
  const code = typeof e?.code === 'string' ? e.code : typeof e?.message === 'string' ? e.message : 'unknown error'
  return new PostFailed(code.split('\n')[0]!, { cause: error, staleConnection: reused && CLOSED_CODES.has(code) })
}
