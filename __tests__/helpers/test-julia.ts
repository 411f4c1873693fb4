import { atLeast, parseJuliaVersion } from '../../src/julia/version.js'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'

/**
 * The real Julia on the test machine (Debian's 1.5.3, installed by .ci/setup-julia.sh). It must run with
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

/** One Julia the integration suites run the real pipeline with. */
export interface TestJulia {
  /** For test names: "Julia 1.5.3 (/usr/bin/julia)". */
  label: string
  executable: string
  /** What `julia --version` says, e.g. "1.10.8+RAI"; undefined when it does not run. */
  version?: string
  /** Why this Julia cannot run here, or undefined. */
  skip?: string
  /** Environment for its processes, with a depot of the test's own. */
  env(depot: string, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv
}

/**
 * Pure: the executables named in JULIA_SYSIMAGE_TEST_JULIAS (separated like PATH entries), or
 * the `julia` on PATH when it is unset.
 */
export function testJuliaExecutables(list: string | undefined): string[] {
  const named = (list ?? '')
    .split(path.delimiter)
    .map((entry) => entry.trim())
    .filter(Boolean)
  return named.length > 0 ? [...new Set(named)] : ['julia']
}

/** A bare command name looked up on PATH (the pipeline wants a path for julia-path), else as given. */
function onPath(command: string): string {
  if (command.includes('/') || command.includes(path.sep)) return path.resolve(command)
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command)
    if (existsSync(candidate)) return candidate
  }
  return command
}

/**
 * Julia ≥ 1.7's Pkg clones the General registry before it instantiates, even a manifest of path
 * packages and stdlibs, when the depot holds no registry; the test machines are offline. A stub
 * registry (its name and uuid, no packages) is enough for projects whose packages are all local,
 * and lets Pkg resolve a project of stdlibs that are not upgradable (from Julia 1.11 Statistics
 * and DelimitedFiles are resolved through the registry, so a stub cannot serve them). `repo` is
 * the URL the registry says it comes from (the real one makes Pkg's messages read as usual).
 * The one writer of it, for tests and the benchmark.
 */
export function writeStubRegistry(depot: string, repo = ''): void {
  const dir = path.join(depot, 'registries', 'General')
  if (existsSync(path.join(dir, 'Registry.toml'))) return
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    path.join(dir, 'Registry.toml'),
    `name = "General"\nuuid = "23338594-aafe-5451-b93e-139f81909106"\nrepo = ${JSON.stringify(repo)}\n\n[packages]\n`
  )
}

function describeTestJulia(named: string): TestJulia {
  const executable = onPath(named)
  // Debian's 1.5 package needs bullseye's libunwind (see juliaTestEnv); official builds carry
  // their own through RUNPATH, which LD_LIBRARY_PATH would override, so they get nothing added
  const plain = spawnSync(executable, ['--version'], {
    encoding: 'utf8',
    env: juliaTestEnv(os.tmpdir())
  })
  const version = /julia version (\S+)/.exec(plain.stdout ?? '')?.[1]
  const needsLibunwind = version?.startsWith('1.5.') ?? false
  const modern = version !== undefined && atLeast(parseJuliaVersion(version), 1, 7)
  const env = (depot: string, base: NodeJS.ProcessEnv = process.env) => {
    if (needsLibunwind) return juliaTestEnv(depot, base)
    if (modern) writeStubRegistry(depot)
    return {
      ...base,
      // a trailing separator keeps Julia's bundled depot after the test's own (Julia ≥ 1.7,
      // base/initdefs.jl): without it the stdlibs' shipped package images are not found and
      // are precompiled again in every test depot
      JULIA_DEPOT_PATH: modern ? `${depot}${path.delimiter}` : depot,
      // no package server on these offline machines: Pkg goes straight to the URLs the
      // project names (artifacts served on loopback) instead of trying pkg.julialang.org first
      ...(modern ? { JULIA_PKG_SERVER: '' } : {}),
      XDG_CACHE_HOME: path.join(depot, 'xdg-cache')
    }
  }
  const skip = !existsSync(executable)
    ? `${executable} is not installed`
    : plain.error || plain.status !== 0 || !version
      ? `${executable} does not run (${plain.error?.message ?? plain.stderr?.trim() ?? 'no version'})`
      : needsLibunwind
        ? juliaMissingReason()
        : undefined
  return { label: `Julia ${version ?? '?'} (${executable})`, executable, version, skip, env }
}

/**
 * The Julias to run the real pipeline with, once each: JULIA_SYSIMAGE_TEST_JULIAS names several
 * `julia` executables (e.g. a 1.10 and a 1.12 beside Debian's 1.5.3), so any newer Julia on a
 * machine is exercised by `npm test` too; unset, the one `.ci/setup-julia.sh` installs.
 */
let described: TestJulia[] | undefined
export function testJulias(): TestJulia[] {
  // asked on first use, so that importing this module (unit tests do) starts no Julia
  described ??= withModernLane(
    testJuliaExecutables(process.env.JULIA_SYSIMAGE_TEST_JULIAS).map(describeTestJulia)
  )
  return described
}

const noModernJulia: TestJulia = {
  label: 'Julia ≥ 1.9 (none listed)',
  executable: 'julia',
  skip: 'no Julia ≥ 1.9 is listed in JULIA_SYSIMAGE_TEST_JULIAS (PATH-separated julia executables; .ci/run adds the Julias 1.10 and 1.12 it installs when their toolchains are at hand)',
  env: (depot, base = process.env) => juliaTestEnv(depot, base)
}

/**
 * The suites that depend on the Julia version must also run on a Julia with package images
 * (≥ 1.9, what users have): when none is listed, a stand-in entry makes each such suite show
 * up as skipped, with the reason, instead of silently running on 1.5 alone.
 */
export function withModernLane(julias: TestJulia[]): TestJulia[] {
  const hasModern = julias.some((julia) => !julia.skip && canLayer(julia))
  return hasModern ? julias : [...julias, noModernJulia]
}

/**
 * The Julias users run (≥ 1.9: package images, `Base.Linking`, parallel emission), for every
 * suite whose behaviour depends on the Julia version; Debian's 1.5.3 keeps only what only it
 * shows (the path before package images, the chained stand-in, the README's first contact). When
 * none is listed, one skipped entry says so.
 */
export function modernJulias(): TestJulia[] {
  const modern = testJulias().filter(canLayer)
  return modern.length > 0 ? modern : testJulias().filter((julia) => julia === noModernJulia)
}

/**
 * The newest Julia users run that is listed (the current release), for the suites that test the
 * tool's front ends (CLI, action, failure handling) once rather than per Julia version; the
 * skipped entry when none is listed.
 */
export function newestJulia(): TestJulia {
  const modern = modernJulias()
  const rank = (julia: TestJulia) => {
    const v = parseJuliaVersion(julia.version ?? '0.0.0')
    return (julia.skip ? 0 : 1e9) + v.major * 1e6 + v.minor * 1e3 + v.patch
  }
  return modern.reduce((best, julia) => (rank(julia) > rank(best) ? julia : best))
}

/** Whether a test Julia is at least `major.minor` (false when its version is unknown). */
export function juliaAtLeast(
  julia: Pick<TestJulia, 'version'>,
  major: number,
  minor: number
): boolean {
  return julia.version !== undefined && atLeast(parseJuliaVersion(julia.version), major, minor)
}

/** Whether a test Julia caches native code in package images (1.9 and later): it can layer. */
export function canLayer(julia: Pick<TestJulia, 'version'>): boolean {
  return juliaAtLeast(julia, 1, 9)
}

/**
 * The mode of the suites that test the full image on every Julia. `auto` layers a project with
 * path packages on Julia ≥ 1.9, so those Julias get `full` explicitly; the others keep `auto`,
 * which must pick `full` by itself (the suites assert the mode).
 */
export function fullImageMode(julia: Pick<TestJulia, 'version'>): 'full' | 'auto' {
  return canLayer(julia) ? 'full' : 'auto'
}
