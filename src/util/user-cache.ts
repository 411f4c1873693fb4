import path from 'node:path'

/** Pure: julia-sysimage's folder in the user's cache (`$XDG_CACHE_HOME/julia-sysimage`, else `~/.cache/…`). */
export function userCacheDir(env: NodeJS.ProcessEnv, home: string): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(home, '.cache')
  return path.join(cacheHome, 'julia-sysimage')
}
