import os from 'node:os'
import path from 'node:path'

/** Pure: julia-sysimage's folder in the user's cache (`$XDG_CACHE_HOME/julia-sysimage`, else `~/.cache/…`). */
export function userCacheDir(env: NodeJS.ProcessEnv, home: string): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(home, '.cache')
  return path.join(cacheHome, 'julia-sysimage')
}

/**
 * The folder of per-key cache entry folders (store/cache-entries.ts). Under the user's cache
 * folder, i.e. `~/…` on a runner: @actions/cache ties an entry to the path it was saved from.
 */
export function entriesDir(env: NodeJS.ProcessEnv, home: string = os.homedir()): string {
  return path.join(userCacheDir(env, home), 'entries')
}
