import { createReadStream, promises as fs } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the server answers for one path. */
export type Route =
  | { json: unknown }
  | { text: string }
  | { file: string }
  /** Sends the headers of `file` (full Content-Length), then `bytes` bytes, then drops the connection. */
  | { file: string; dropAfterBytes: number }

export interface TestServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string
  /** Paths requested so far, in order. */
  requests: string[]
  /** Routes by path; change them between tests. Anything else answers 404. */
  routes: Map<string, Route>
  close(): Promise<void>
}

/**
 * A real HTTP server on the loopback interface only (127.0.0.1, a free port), serving real files.
 * Every request is recorded so tests can assert what was (not) downloaded.
 */
export async function startTestServer(): Promise<TestServer> {
  const requests: string[] = []
  const routes = new Map<string, Route>()
  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    requests.push(path)
    const route = routes.get(path)
    if (!route) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    if ('json' in route || 'text' in route) {
      const body = 'json' in route ? JSON.stringify(route.json) : route.text
      response
        .writeHead(200, {
          'content-type': 'json' in route ? 'application/json' : 'text/html',
          'content-length': Buffer.byteLength(body)
        })
        .end(body)
      return
    }
    void serveFile(route, request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

async function serveFile(
  route: { file: string; dropAfterBytes?: number },
  request: http.IncomingMessage,
  response: http.ServerResponse
) {
  const { size } = await fs.stat(route.file)
  response.writeHead(200, { 'content-type': 'application/gzip', 'content-length': size })
  if (route.dropAfterBytes === undefined) {
    createReadStream(route.file).pipe(response)
    return
  }
  const stream = createReadStream(route.file, { start: 0, end: route.dropAfterBytes - 1 })
  stream.pipe(response, { end: false })
  // Drop the connection mid-body, as a failing proxy or network does.
  stream.on('end', () => request.socket.destroy())
}
