import { randomUUID } from 'node:crypto'
import type { Reply, ServiceRequest } from './service-server.js'

/**
 * The part of Azure Blob Storage that the Azure SDK used by @actions/cache and @actions/artifact
 * needs for block blobs, Azurite-style over plain http: single-shot `PUT` (`uploadFile` of small
 * files), `PUT ?comp=block` + `PUT ?comp=blocklist` (`uploadStream`), and `GET`. Blobs live under
 * `/blob/<container>/<name>` and every request must carry the `sig` the service handed out,
 * as a SAS URL must.
 */
export class BlobStore {
  /** Committed blob contents by `<container>/<name>`. */
  readonly blobs = new Map<string, Buffer>()
  private readonly staged = new Map<string, Map<string, Buffer>>()
  private readonly signature = randomUUID()

  /** A signed URL for one blob on the server at `baseUrl`, as the service hands out. */
  signedUrl(baseUrl: string, container: string, name: string): string {
    const expiry = new Date(Date.now() + 3_600_000).toISOString()
    return `${baseUrl}/blob/${container}/${name}?sv=2025-01-05&se=${encodeURIComponent(expiry)}&sp=rcw&sr=b&sig=${this.signature}`
  }

  /** Answers a request whose path starts with `/blob/`. */
  handle(request: ServiceRequest): Reply {
    const name = decodeURIComponent(request.url.pathname.slice('/blob/'.length))
    if (request.url.searchParams.get('sig') !== this.signature) {
      return blobError(403, 'AuthenticationFailed', 'Signature did not match.')
    }
    const comp = request.url.searchParams.get('comp')
    if (request.method === 'GET' && comp === null) {
      const data = this.blobs.get(name)
      if (!data) return blobError(404, 'BlobNotFound', 'The specified blob does not exist.')
      return {
        status: 200,
        headers: { ...commonHeaders(), 'content-type': 'application/octet-stream' },
        body: data
      }
    }
    if (request.method !== 'PUT') {
      return blobError(400, 'UnsupportedHttpVerb', `${request.method} is not emulated`)
    }
    if (comp === 'block') {
      const blockId = request.url.searchParams.get('blockid')
      if (!blockId) return blobError(400, 'InvalidQueryParameterValue', 'blockid is missing')
      const blocks = this.staged.get(name) ?? new Map<string, Buffer>()
      blocks.set(blockId, request.body)
      this.staged.set(name, blocks)
      return { status: 201, headers: commonHeaders() }
    }
    if (comp === 'blocklist') {
      const blocks = this.staged.get(name) ?? new Map<string, Buffer>()
      const ids = [...request.body.toString('utf8').matchAll(/<(?:Latest|Uncommitted)>([^<]*)</g)]
      const parts: Buffer[] = []
      for (const [, id] of ids) {
        const block = blocks.get(id)
        if (!block) return blobError(400, 'InvalidBlockList', `block ${id} was never staged`)
        parts.push(block)
      }
      this.blobs.set(name, Buffer.concat(parts))
      this.staged.delete(name)
      return { status: 201, headers: commonHeaders() }
    }
    if (comp !== null) return blobError(400, 'InvalidQueryParameterValue', `comp=${comp}`)
    if (request.headers['x-ms-blob-type'] !== 'BlockBlob') {
      return blobError(400, 'MissingRequiredHeader', 'x-ms-blob-type must be BlockBlob')
    }
    this.blobs.set(name, request.body)
    return { status: 201, headers: commonHeaders() }
  }
}

function commonHeaders(): Record<string, string> {
  return {
    etag: `"0x8D${randomUUID().replaceAll('-', '').slice(0, 13).toUpperCase()}"`,
    'last-modified': new Date().toUTCString(),
    date: new Date().toUTCString(),
    'x-ms-request-id': randomUUID(),
    'x-ms-version': '2025-11-05',
    'x-ms-request-server-encrypted': 'true'
  }
}

/** An error in the storage service's format (XML body plus `x-ms-error-code`). */
export function blobError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: {
      'content-type': 'application/xml',
      'x-ms-error-code': code,
      'x-ms-request-id': randomUUID()
    },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
  }
}
