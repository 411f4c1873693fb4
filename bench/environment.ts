import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { writeStubRegistry } from '../__tests__/helpers/test-julia.js'
import { atLeast, parseJuliaVersion } from '../src/julia/version.js'

/**
 * Debian's Julia 1.5.3 on bookworm dies on its first exception unless it runs with bullseye's
 * libunwind; `.ci/setup-julia.sh` extracts that library to a fixed folder. Only Julia 1.5 gets
 * it, and only when the folder exists: a newer Julia started with that old libunwind crashes.
 */
const libunwindCandidates = [
  process.env.JULIA_SYSIMAGE_TEST_LIBUNWIND,
  '/opt/julia-sysimage-ci/libunwind'
].filter((dir): dir is string => Boolean(dir))

const libunwindDir = libunwindCandidates.find((dir) => existsSync(path.join(dir, 'libunwind.so.8')))

/** How the runs start Julia: which one, and whether the machine is offline. */
export interface JuliaChoice {
  /** Absolute path, or undefined for the `julia` on PATH. */
  julia?: string
  offline: boolean
}

/** Pure: "julia version 1.10.8+RAI" → true for Julia ≥ 1.7. */
export function hasDepotDefaults(versionLine: string | undefined): boolean {
  const version = /\d+\.\d+\.\d+\S*/.exec(versionLine ?? '')?.[0]
  return version !== undefined && atLeast(parseJuliaVersion(version), 1, 7)
}

/**
 * The environment of one benchmark run: a depot and a user cache folder of its own, so package
 * instantiation and precompilation start cold and nothing of the user's is read or written.
 * On Julia ≥ 1.7 the depot path ends in a separator, which appends Julia's default depots
 * (base/initdefs.jl), as a user's depot path has them: the stdlibs' shipped package images are
 * found there instead of being precompiled into every fresh depot. Julia 1.5 would read the
 * empty entry as a folder, so it gets the depot alone. `versionLine` is what `julia --version`
 * printed.
 */
export function runEnv(
  root: string,
  base: NodeJS.ProcessEnv = process.env,
  choice: JuliaChoice = { offline: false },
  versionLine?: string
): NodeJS.ProcessEnv {
  const modern = hasDepotDefaults(versionLine)
  const depot = path.join(root, 'depot')
  const env: NodeJS.ProcessEnv = {
    ...base,
    JULIA_DEPOT_PATH: modern ? `${depot}${path.delimiter}` : depot,
    XDG_CACHE_HOME: path.join(root, 'xdg-cache')
  }
  if (libunwindDir && /^julia version 1\.5\./.test(versionLine ?? 'julia version 1.5.')) {
    env.LD_LIBRARY_PATH = [libunwindDir, base.LD_LIBRARY_PATH].filter(Boolean).join(':')
  }
  if (choice.offline) {
    // no package server either: nothing to reach
    env.JULIA_PKG_SERVER = ''
    writeStubRegistry(depot)
  }
  return env
}

export interface MachineFacts {
  cpus: number
  cpuModel: string
  memoryBytes: number
  os: string
  node: string
  julia: string
  juliaPath: string
  cli: string
  gitCommit: string
  gitDirty: boolean
  libunwind: string | null
}

function firstLine(command: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string) {
  const result = spawnSync(command, args, { encoding: 'utf8', env, cwd })
  if (result.error || result.status !== 0) return undefined
  return result.stdout.trim().split('\n')[0]
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8')
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1]
    if (pretty) return `${pretty} (${os.type()} ${os.release()} ${os.arch()})`
  } catch {
    // not Linux, or no os-release: the kernel name is enough
  }
  return `${os.type()} ${os.release()} ${os.arch()}`
}

/** Facts about the machine and the code under test, for the results file. */
export function machineFacts(
  repoRoot: string,
  cliEntry: string,
  scratch: string,
  choice: JuliaChoice = { offline: false }
): MachineFacts {
  const cpus = os.cpus()
  const env = runEnv(scratch)
  const julia = choice.julia ?? 'julia'
  const status = firstLine('git', ['status', '--porcelain'], undefined, repoRoot)
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    os: osName(),
    node: process.version,
    julia: firstLine(julia, ['--version'], env) ?? 'not found',
    juliaPath: choice.julia ?? firstLine('sh', ['-c', 'command -v julia'], env) ?? 'not found',
    cli: firstLine(process.execPath, [cliEntry, '--version']) ?? 'unknown',
    gitCommit: firstLine('git', ['rev-parse', 'HEAD'], undefined, repoRoot) ?? 'unknown',
    gitDirty: status !== undefined && status !== '',
    libunwind: libunwindDir ?? null
  }
}
