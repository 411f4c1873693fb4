import { createHmac, randomUUID } from 'node:crypto'
import { BlobStore, blobError } from './blob-store.js'
import {
  Faults,
  hasBearer,
  jsonReply,
  startLoopbackServer,
  twirpError,
  twirpFault,
  type LoopbackServer,
  type Reply
} from './service-server.js'

/**
 * An emulator of the results service's artifact upload for the real `@actions/artifact` 6:
 * twirp `ArtifactService/{CreateArtifact,FinalizeArtifact}` under `ACTIONS_RESULTS_URL`, and
 * the signed blob URL the zip is streamed to in blocks through the Azure SDK.
 */
export interface UploadedArtifact {
  name: string
  /** `expires_at` of CreateArtifact (RFC 3339), present when a retention was asked for. */
  expiresAt?: string
  mimeType?: string
  /** Declared by FinalizeArtifact. */
  size?: number
  hash?: string
  /** Set once finalized. */
  id?: number
  /** The uploaded bytes (a zip unless `skipArchive`), once finalized. */
  content?: Buffer
}

/** The steps that can be made to fail (see `failNext`). */
export type ArtifactOperation = 'create' | 'upload' | 'finalize'

export interface ArtifactServer extends LoopbackServer {
  artifacts: UploadedArtifact[]
  /** Environment variables that point `@actions/artifact` at this server. */
  env(): Record<string, string | undefined>
  failNext(operation: ArtifactOperation, status: number | 'drop', times?: number): void
}

const twirpPrefix = '/twirp/github.actions.results.api.v1.ArtifactService/'

export async function startArtifactServer(): Promise<ArtifactServer> {
  const runId = randomUUID()
  const jobId = randomUUID()
  const token = runtimeToken(runId, jobId)
  const artifacts: UploadedArtifact[] = []
  const faults = new Faults<ArtifactOperation>()
  const blobs = new BlobStore()

  function handleTwirp(method: string, body: Record<string, unknown>): Reply {
    if (body.workflow_run_backend_id !== runId || body.workflow_job_run_backend_id !== jobId) {
      return twirpError(400, 'backend ids do not match the token')
    }
    const name = String(body.name ?? '')
    if (method === 'CreateArtifact') {
      const fault = faults.take('create')
      if (fault !== undefined) return twirpFault(fault)
      // Names are unique within a workflow run.
      if (artifacts.some((artifact) => artifact.name === name)) {
        return twirpError(409, 'an artifact with this name already exists on the workflow run')
      }
      artifacts.push({
        name,
        expiresAt: body.expires_at as string | undefined,
        mimeType: body.mime_type as string | undefined
      })
      return jsonReply(200, {
        ok: true,
        signed_upload_url: blobs.signedUrl(server.url, 'artifacts', `${runId}/${artifacts.length}`)
      })
    }
    if (method === 'FinalizeArtifact') {
      const fault = faults.take('finalize')
      if (fault !== undefined) return twirpFault(fault)
      const index = artifacts.findIndex((artifact) => artifact.name === name)
      const content = blobs.blobs.get(`artifacts/${runId}/${index + 1}`)
      if (index < 0 || !content) return twirpError(404, `nothing was uploaded for ${name}`)
      Object.assign(artifacts[index], {
        size: Number(body.size),
        hash: body.hash as string | undefined,
        id: 1000 + index,
        content
      })
      return jsonReply(200, { ok: true, artifact_id: String(1000 + index) })
    }
    return twirpError(404, `unknown method ${method}`)
  }

  const server = await startLoopbackServer((request) => {
    const path = request.url.pathname
    if (path.startsWith('/blob/')) {
      const fault = faults.take('upload')
      if (fault === 'drop') return 'drop'
      if (fault !== undefined) return blobError(fault, 'InjectedFailure', `injected ${fault}`)
      return blobs.handle(request)
    }
    if (!hasBearer(request, token)) return twirpError(401, 'bad token')
    if (!path.startsWith(twirpPrefix)) return twirpError(404, `no route for ${path}`)
    const body = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>
    return handleTwirp(path.slice(twirpPrefix.length), body)
  })

  return {
    ...server,
    artifacts,
    env: () => ({
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_RESULTS_URL: `${server.url}/`,
      // Uploads are refused on GHES; github.com is the default.
      GITHUB_SERVER_URL: undefined,
      GITHUB_RETENTION_DAYS: undefined
    }),
    failNext: (operation, status, times) => faults.add(operation, status, times)
  }
}

/**
 * A runtime token like the runner's: a JWT whose `scp` claim carries the workflow run and job
 * backend ids (`Actions.Results:<run>:<job>`), which @actions/artifact reads from it. Signed
 * with a throwaway HS256 key; the library only decodes it.
 */
function runtimeToken(runId: string, jobId: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const claims = {
    scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${runId}:${jobId}`,
    exp: Math.floor(Date.now() / 1000) + 3600
  }
  const unsigned = `${encode({ typ: 'JWT', alg: 'HS256' })}.${encode(claims)}`
  const signature = createHmac('sha256', randomUUID()).update(unsigned).digest('base64url')
  return `${unsigned}.${signature}`
}
