import { existsSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'

/**
 * The real Julia on the test machine (Debian's 1.5.3, see DESIGN.md §6). It must run with
 * bullseye's libunwind 1.3.2, which `.ci/setup-julia.sh` extracts to a fixed folder; a newer
 * libunwind kills Julia on the first exception.
 */
const libunwindCandidates = [
  process.env.JULIA_SYSIMAGE_TEST_LIBUNWIND,
  '/opt/julia-sysimage-ci/libunwind',
  '/tmp/unw/x/usr/lib/x86_64-linux-gnu'
].filter((dir): dir is string => Boolean(dir))

export const libunwindDir = libunwindCandidates.find((dir) =>
  existsSync(path.join(dir, 'libunwind.so.8'))
)

/** Environment for processes that run the real Julia, with a depot of this test run's own. */
export function juliaTestEnv(
  depot: string,
  base: NodeJS.ProcessEnv = process.env
): NodeJS.ProcessEnv {
  // the user's own cache folder is never touched: julia-sysimage's cache entries go here
  const env: NodeJS.ProcessEnv = {
    ...base,
    JULIA_DEPOT_PATH: depot,
    XDG_CACHE_HOME: path.join(depot, 'xdg-cache')
  }
  if (libunwindDir) {
    env.LD_LIBRARY_PATH = [libunwindDir, base.LD_LIBRARY_PATH].filter(Boolean).join(':')
  }
  return env
}

export function newDepot(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'jsi-depot-'))
}

/** Why the integration tests cannot run here, or undefined when they can. */
export function juliaMissingReason(): string | undefined {
  const result = spawnSync('julia', ['--version'], {
    encoding: 'utf8',
    env: juliaTestEnv(os.tmpdir())
  })
  if (result.error || result.status !== 0)
    return 'no working julia on PATH (run .ci/setup-julia.sh)'
  if (!libunwindDir) return "bullseye's libunwind 1.3.2 not found (run .ci/setup-julia.sh)"
  return undefined
}

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..')
export const fixturesDir = path.join(repoRoot, '__tests__', 'fixtures')
