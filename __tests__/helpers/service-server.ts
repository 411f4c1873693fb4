import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request as a service emulator sees it: the whole body is read before handling. */
export interface ServiceRequest {
  method: string
  url: URL
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** What to answer; `'drop'` closes the connection without an answer, as a dead proxy does. */
export type Reply =
  { status: number; headers?: Record<string, string | number>; body?: Buffer | string } | 'drop'

export function jsonReply(status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) }
}

export interface LoopbackServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string
  /** `METHOD /path` of every request so far, in order (query strings left out). */
  requests: string[]
  close(): Promise<void>
}

/**
 * An HTTP server on 127.0.0.1 only, on a free port, answering with `handle`. A handler that
 * throws answers 500 with the message, so a bug in an emulator shows up as a failed request.
 */
export async function startLoopbackServer(
  handle: (request: ServiceRequest) => Reply | Promise<Reply>
): Promise<LoopbackServer> {
  const requests: string[] = []
  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1')
      const method = incoming.method ?? 'GET'
      requests.push(`${method} ${url.pathname}`)
      const request = { method, url, headers: incoming.headers, body: Buffer.concat(chunks) }
      Promise.resolve()
        .then(() => handle(request))
        .catch((error: unknown) => ({ status: 500, body: `emulator error: ${String(error)}` }))
        .then((reply) => send(reply, incoming, response))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function send(reply: Reply, incoming: http.IncomingMessage, response: http.ServerResponse) {
  if (reply === 'drop') {
    incoming.socket.destroy()
    return
  }
  const body = reply.body ?? ''
  response.writeHead(reply.status, {
    ...reply.headers,
    'content-length': Buffer.byteLength(body)
  })
  response.end(body)
}

/** Failures queued per operation name: the next `times` requests of that operation fail. */
export class Faults<Operation extends string> {
  private readonly pending = new Map<
    Operation,
    { status: number | 'drop'; times: number; about?: (subject: string) => boolean }
  >()

  /** `about`: only requests whose subject (a cache key, say) it accepts fail and count. */
  add(
    operation: Operation,
    status: number | 'drop',
    times = 1,
    about?: (subject: string) => boolean
  ): void {
    this.pending.set(operation, { status, times, about })
  }

  /** The failure to answer for this request of `operation` about `subject`, if one is queued. */
  take(operation: Operation, subject = ''): number | 'drop' | undefined {
    const fault = this.pending.get(operation)
    if (!fault || (fault.about && !fault.about(subject))) return undefined
    if (--fault.times <= 0) this.pending.delete(operation)
    return fault.status
  }
}

const twirpCodes: Record<number, string> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  409: 'already_exists',
  429: 'resource_exhausted',
  500: 'internal',
  503: 'unavailable'
}

/**
 * A twirp error (`{code, msg}` JSON). The toolkit's twirp clients parse every body as JSON and
 * retry anything that is not, so even failures must be JSON.
 */
export function twirpError(status: number, msg: string): Reply {
  return jsonReply(status, { code: twirpCodes[status] ?? 'unknown', msg })
}

/** Whether the request carries `Authorization: Bearer <token>`. */
export function hasBearer(request: ServiceRequest, token: string): boolean {
  return request.headers.authorization === `Bearer ${token}`
}

/** The answer to an injected failure of a twirp call. */
export function twirpFault(fault: number | 'drop'): Reply {
  return fault === 'drop' ? 'drop' : twirpError(fault, `injected ${fault}`)
}
