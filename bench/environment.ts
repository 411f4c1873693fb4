import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * Debian's Julia 1.5.3 on bookworm dies on its first exception unless it runs with bullseye's
 * libunwind (DESIGN.md §6); `.ci/setup-julia.sh` extracts that library to a fixed folder. Other
 * Julias do not need it, so the folder is only added when it exists.
 */
const libunwindCandidates = [
  process.env.JULIA_SYSIMAGE_TEST_LIBUNWIND,
  '/opt/julia-sysimage-ci/libunwind'
].filter((dir): dir is string => Boolean(dir))

const libunwindDir = libunwindCandidates.find((dir) => existsSync(path.join(dir, 'libunwind.so.8')))

/**
 * The environment of one benchmark run: a depot and a user cache folder of its own, so package
 * instantiation and precompilation start cold and nothing of the user's is read or written.
 */
export function runEnv(root: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    JULIA_DEPOT_PATH: path.join(root, 'depot'),
    XDG_CACHE_HOME: path.join(root, 'xdg-cache')
  }
  if (libunwindDir) {
    env.LD_LIBRARY_PATH = [libunwindDir, base.LD_LIBRARY_PATH].filter(Boolean).join(':')
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
export function machineFacts(repoRoot: string, cliEntry: string, scratch: string): MachineFacts {
  const cpus = os.cpus()
  const env = runEnv(scratch)
  const status = firstLine('git', ['status', '--porcelain'], undefined, repoRoot)
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    os: osName(),
    node: process.version,
    julia: firstLine('julia', ['--version'], env) ?? 'not found',
    juliaPath: firstLine('sh', ['-c', 'command -v julia'], env) ?? 'not found',
    cli: firstLine(process.execPath, [cliEntry, '--version']) ?? 'unknown',
    gitCommit: firstLine('git', ['rev-parse', 'HEAD'], undefined, repoRoot) ?? 'unknown',
    gitDirty: status !== undefined && status !== '',
    libunwind: libunwindDir ?? null
  }
}
