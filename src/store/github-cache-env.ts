/**
 * What the runner's environment says about the cache service, read the way @actions/cache 6
 * reads it (internal/config.js), so the action can decide before calling the library.
 */

type Env = Record<string, string | undefined>

/** GHES only has the v1 service; github.com, `*.ghe.com` and `*.localhost` count as not GHES. */
function isGhes(env: Env): boolean {
  const host = new URL(env.GITHUB_SERVER_URL || 'https://github.com').hostname.toUpperCase()
  return host !== 'GITHUB.COM' && !host.endsWith('.GHE.COM') && !host.endsWith('.LOCALHOST')
}

/** Which protocol @actions/cache will speak: v2 (twirp + blob storage) or legacy v1 (REST). */
export function cacheServiceProtocol(env: Env = process.env): 'v1' | 'v2' {
  return env.ACTIONS_CACHE_SERVICE_V2 && !isGhes(env) ? 'v2' : 'v1'
}

/**
 * Whether the runner provides the cache service: `isFeatureAvailable()` of @actions/cache (the
 * protocol's URL is set), plus the runtime token every request needs, which the library
 * does not check.
 */
export function isGitHubCacheAvailable(env: Env = process.env): boolean {
  if (!env.ACTIONS_RUNTIME_TOKEN) return false
  return cacheServiceProtocol(env) === 'v2' ? !!env.ACTIONS_RESULTS_URL : !!env.ACTIONS_CACHE_URL
}

export interface CacheMode {
  /** `ACTIONS_CACHE_MODE` as given, lower-cased; '' when unset. */
  name: string
  readable: boolean
  writable: boolean
}

const knownModes = ['none', 'read', 'write', 'write-only']

/**
 * The runner's cache policy (`ACTIONS_CACHE_MODE`: none, read, write, write-only). When it
 * forbids a direction, @actions/cache skips the call silently (restore finds nothing, save
 * returns -1); unset or unknown modes permit everything.
 */
export function cacheMode(env: Env = process.env): CacheMode {
  const name = (env.ACTIONS_CACHE_MODE ?? '').trim().toLowerCase()
  if (!knownModes.includes(name)) return { name, readable: true, writable: true }
  return {
    name,
    readable: name === 'read' || name === 'write',
    writable: name === 'write' || name === 'write-only'
  }
}
