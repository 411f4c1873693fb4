import { randomUUID } from 'node:crypto'
import { BlobStore, blobError } from './blob-store.js'
import {
  Faults,
  hasBearer,
  jsonReply,
  startLoopbackServer,
  twirpError,
  twirpFault,
  type LoopbackServer,
  type Reply,
  type ServiceRequest
} from './service-server.js'

/**
 * An emulator of the GitHub Actions cache service for the real `@actions/cache` 6, speaking
 * both protocols the library has:
 *
 * - v2 (github.com today; selected by `ACTIONS_CACHE_SERVICE_V2` on a non-GHES host): twirp
 *   `CacheService/{CreateCacheEntry,FinalizeCacheEntryUpload,GetCacheEntryDownloadURL}` under
 *   `ACTIONS_RESULTS_URL`, with the archive going to a signed blob URL through the Azure SDK.
 * - v1 (GHES; the default without that variable): REST under `ACTIONS_CACHE_URL` +
 *   `_apis/artifactcache/`: lookup, reserve, chunked `PATCH` upload, commit.
 *
 * Entries are immutable and keyed by (key, version) like the real service: reserving an existing
 * or half-uploaded pair is a conflict, and lookups see committed entries only (exact key first,
 * then the newest entry whose key starts with it).
 */
export type CacheProtocol = 'v1' | 'v2'

/** The steps that can be made to fail (see `failNext`). */
export type CacheOperation = 'lookup' | 'reserve' | 'upload' | 'commit' | 'download'

export interface CacheEntry {
  id: number
  key: string
  version: string
  committed: boolean
  archive?: Buffer
}

export interface CacheServer extends LoopbackServer {
  entries: CacheEntry[]
  /** Environment variables that point `@actions/cache` at this server with `protocol`. */
  env(protocol: CacheProtocol): Record<string, string | undefined>
  /**
   * The next `times` requests of `operation` answer `status` (or drop the connection); with
   * `aboutKey`, only lookups of keys it accepts (other operations do not name a key).
   */
  failNext(
    operation: CacheOperation,
    status: number | 'drop',
    times?: number,
    aboutKey?: (key: string) => boolean
  ): void
  /** The next lookup answers "not found" even when the entry exists (a racing job's view). */
  missNext(): void
}

const twirpPrefix = '/twirp/github.actions.results.api.v1.CacheService/'
const restPrefix = '/_apis/artifactcache/'

/** `token`: the runtime token to require (a runner hands one token to every service). */
export async function startCacheServer(options: { token?: string } = {}): Promise<CacheServer> {
  const token = options.token ?? `cache-token-${randomUUID()}`
  const entries: CacheEntry[] = []
  const chunks = new Map<number, Map<number, Buffer>>()
  const faults = new Faults<CacheOperation>()
  let missNext = false
  const blobs = new BlobStore()

  function lookup(keys: string[], version: string): CacheEntry | undefined {
    if (missNext) {
      missNext = false
      return undefined
    }
    const committed = entries.filter((entry) => entry.committed && entry.version === version)
    for (const key of keys) {
      const exact = committed.find((entry) => entry.key === key)
      const prefixed = committed.filter((entry) => entry.key.startsWith(key)).at(-1)
      if (exact ?? prefixed) return exact ?? prefixed
    }
    return undefined
  }

  function reserve(key: string, version: string): CacheEntry | undefined {
    if (entries.some((entry) => entry.key === key && entry.version === version)) return undefined
    const entry = { id: entries.length + 1, key, version, committed: false }
    entries.push(entry)
    return entry
  }

  function handleTwirp(method: string, body: Record<string, unknown>): Reply {
    const key = String(body.key ?? '')
    const version = String(body.version ?? '')
    if (method === 'GetCacheEntryDownloadURL') {
      const fault = faults.take('lookup', key)
      if (fault !== undefined) return twirpFault(fault)
      const restoreKeys = Array.isArray(body.restore_keys) ? body.restore_keys.map(String) : []
      const entry = lookup([key, ...restoreKeys], version)
      if (!entry) return jsonReply(200, { ok: false })
      return jsonReply(200, {
        ok: true,
        signed_download_url: blobs.signedUrl(server.url, 'cache', String(entry.id)),
        matched_key: entry.key
      })
    }
    if (method === 'CreateCacheEntry') {
      const fault = faults.take('reserve')
      if (fault !== undefined) return twirpFault(fault)
      const entry = reserve(key, version)
      if (!entry) {
        return twirpError(409, 'cache entry with the same key, version, and scope already exists')
      }
      return jsonReply(200, {
        ok: true,
        signed_upload_url: blobs.signedUrl(server.url, 'cache', String(entry.id))
      })
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const fault = faults.take('commit')
      if (fault !== undefined) return twirpFault(fault)
      const entry = entries.find((e) => e.key === key && e.version === version && !e.committed)
      const archive = entry && blobs.blobs.get(`cache/${entry.id}`)
      if (!entry || !archive || String(archive.length) !== String(body.size_bytes)) {
        return jsonReply(200, { ok: false, message: `no finished upload for ${key}` })
      }
      Object.assign(entry, { committed: true, archive })
      return jsonReply(200, { ok: true, entry_id: String(entry.id) })
    }
    return twirpError(404, `unknown method ${method}`)
  }

  function handleRest(request: ServiceRequest, baseUrl: string): Reply {
    const resource = request.url.pathname.slice(restPrefix.length)
    const idMatch = /^caches\/(\d+)$/.exec(resource)
    if (request.method === 'GET' && resource === 'cache') {
      const keys = (request.url.searchParams.get('keys') ?? '').split(',')
      const fault = faults.take('lookup', keys[0])
      if (fault !== undefined) return restFault(fault)
      const entry = lookup(keys, request.url.searchParams.get('version') ?? '')
      if (!entry) return { status: 204 }
      return jsonReply(200, {
        cacheKey: entry.key,
        scope: 'refs/heads/main',
        cacheVersion: entry.version,
        archiveLocation: `${baseUrl}/archive/${entry.id}?sig=${token}`
      })
    }
    if (request.method === 'GET' && resource === 'caches') {
      // The listing the library prints on a miss when RUNNER_DEBUG is set.
      const key = request.url.searchParams.get('key') ?? ''
      const listed = entries.filter((entry) => entry.committed && entry.key === key)
      return jsonReply(200, {
        totalCount: listed.length,
        artifactCaches: listed.map((e) => ({ cacheKey: e.key, cacheVersion: e.version }))
      })
    }
    if (request.method === 'POST' && resource === 'caches') {
      const fault = faults.take('reserve')
      if (fault !== undefined) return restFault(fault)
      const { key, version } = JSON.parse(request.body.toString('utf8')) as Record<string, string>
      const entry = reserve(key, version)
      if (!entry) {
        const message = `Cache already exists. Scope: refs/heads/main, Key: ${key}, Version: ${version}`
        return jsonReply(409, { $id: '1', message, typeName: 'ArtifactCacheExistsException' })
      }
      return jsonReply(201, { cacheId: entry.id })
    }
    const entry = idMatch && entries.find((e) => e.id === Number(idMatch[1]) && !e.committed)
    if (request.method === 'PATCH' && entry) {
      const fault = faults.take('upload')
      if (fault !== undefined) return restFault(fault)
      const range = /^bytes (\d+)-(\d+)\/\*$/.exec(String(request.headers['content-range']))
      if (!range || Number(range[2]) - Number(range[1]) + 1 !== request.body.length) {
        return jsonReply(400, { message: 'bad Content-Range' })
      }
      const parts = chunks.get(entry.id) ?? new Map<number, Buffer>()
      parts.set(Number(range[1]), request.body)
      chunks.set(entry.id, parts)
      return { status: 204 }
    }
    if (request.method === 'POST' && entry) {
      const fault = faults.take('commit')
      if (fault !== undefined) return restFault(fault)
      const parts = [...(chunks.get(entry.id) ?? new Map<number, Buffer>())].sort(
        ([a], [b]) => a - b
      )
      const archive = Buffer.concat(parts.map(([, part]) => part))
      const { size } = JSON.parse(request.body.toString('utf8')) as { size: number }
      if (archive.length !== size) {
        return jsonReply(400, { message: `size ${size} does not match ${archive.length} received` })
      }
      Object.assign(entry, { committed: true, archive })
      return { status: 204 }
    }
    return jsonReply(404, { message: `no route for ${request.method} ${resource}` })
  }

  /** v1's archive download (v2 downloads from the blob store). */
  function handleArchive(request: ServiceRequest): Reply {
    const fault = faults.take('download')
    if (fault !== undefined) return restFault(fault)
    const id = Number(request.url.pathname.slice('/archive/'.length))
    const entry = entries.find((e) => e.id === id && e.committed)
    if (request.url.searchParams.get('sig') !== token || !entry?.archive) {
      return { status: 404, body: 'no such archive' }
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: entry.archive
    }
  }

  const server = await startLoopbackServer((request) => {
    const path = request.url.pathname
    if (path.startsWith('/blob/')) {
      const operation = request.method === 'GET' ? 'download' : 'upload'
      const fault = faults.take(operation)
      if (fault === 'drop') return 'drop'
      if (fault !== undefined) return blobError(fault, 'InjectedFailure', `injected ${fault}`)
      return blobs.handle(request)
    }
    if (path.startsWith('/archive/')) return handleArchive(request)
    if (!hasBearer(request, token)) return jsonReply(401, { message: 'bad token' })
    if (path.startsWith(twirpPrefix)) {
      const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>
      return handleTwirp(path.slice(twirpPrefix.length), body)
    }
    if (path.startsWith(restPrefix)) return handleRest(request, server.url)
    return jsonReply(404, { message: `no route for ${path}` })
  })

  return {
    ...server,
    entries,
    env: (protocol) => ({
      ACTIONS_RUNTIME_TOKEN: token,
      // Both URLs end in '/': v1 appends `_apis/...` to ACTIONS_CACHE_URL as a string.
      ACTIONS_CACHE_URL: protocol === 'v1' ? `${server.url}/` : undefined,
      ACTIONS_RESULTS_URL: protocol === 'v2' ? `${server.url}/` : undefined,
      ACTIONS_CACHE_SERVICE_V2: protocol === 'v2' ? 'true' : undefined,
      // v2 is only used off GHES; github.com is the default.
      GITHUB_SERVER_URL: undefined
    }),
    failNext: (operation, status, times, aboutKey) =>
      faults.add(operation, status, times, aboutKey),
    missNext: () => {
      missNext = true
    }
  }
}

function restFault(fault: number | 'drop'): Reply {
  return fault === 'drop' ? 'drop' : jsonReply(fault, { message: `injected ${fault}` })
}
