import path from 'node:path'
import { UserError } from '../errors.js'
import { lastLines } from '../util/process.js'
import { runJuliaProcess } from './process.js'
import { parseKeyValue, parseKeyValueRows } from './keyvalue.js'
import { juliaScript } from './scripts.js'
import { parseJuliaVersion, type JuliaVersion } from './version.js'

export type JuliaOS = 'linux' | 'macos' | 'windows'

/** What julia-sysimage needs to know about an installed Julia, asked from Julia itself. */
export interface JuliaInfo {
  /** The executable every Julia process is started with. */
  executable: string
  version: JuliaVersion
  versionString: string
  /** Git commit of the build; empty for distribution builds that do not record it. */
  commit: string
  bindir: string
  /** The default system image, the base of every image built with this Julia. */
  baseImage: string
  os: JuliaOS
  arch: string
  dlext: string
  llvmVersion: string
  /** The libjulia file loaded, and the folder it is in. */
  libjulia: string
  libDir: string
  /** Folder of libjulia-internal (Julia ≥ 1.6); libDir on older Julia. */
  privateLibDir: string
  /** True when `libjulia.<dlext>` exists, so `-ljulia` works (distribution builds may lack it). */
  libjuliaUnversioned: boolean
  hasLibjuliaInternal: boolean
  /** `Base.PRIVATE_LIBEXECDIR` (where the bundled lld lives, Julia ≥ 1.9), relative to bindir. */
  privateLibexecDir: string
  macosVersions?: { product: string; platform: string }
  /** True when Julia exports `jl_precompiles_for_sysimage`, half of what chained images need. */
  chainedEntryPoint: boolean
  /**
   * `Sys.CPU_NAME`: the CPU `--cpu-target=native` compiles for (`generic` when Julia's LLVM does
   * not know the host's model, e.g. Debian's 1.5.3 on an AMD EPYC Milan).
   */
  cpuName: string
  /** `DEPOT_PATH` in the environment julia-sysimage was started with. */
  depotPath: string[]
}

/**
 * Test seam, read here and nowhere else: when set, the probe reports this CPU name instead of
 * Julia's, so a test can play "the next run lands on another CPU model" on one machine. It only
 * changes what julia-sysimage believes (and so the cache key), never how Julia compiles.
 */
export const cpuNameOverrideVariable = 'JULIA_SYSIMAGE_TEST_CPU_NAME'

const kernels: Record<string, JuliaOS> = {
  Linux: 'linux',
  Darwin: 'macos',
  NT: 'windows',
  Windows: 'windows'
}

/** Pure: turns the probe script's output into a JuliaInfo. */
export function parseProbeOutput(executable: string, text: string): JuliaInfo {
  const facts = parseKeyValue(text)
  const need = (key: string) => {
    const value = facts.get(key)
    if (value === undefined) throw new Error(`the probe output has no "${key}"`)
    return value
  }
  const os = kernels[need('os')]
  if (!os) throw new Error(`unsupported operating system ${need('os')}`)
  const libjulia = need('libjulia')
  const libDir = libjulia ? path.dirname(libjulia) : path.join(need('bindir'), '..', 'lib')
  const internal = facts.get('libjulia_internal') ?? ''
  const product = facts.get('macos_product_version') ?? ''
  return {
    executable,
    version: parseJuliaVersion(need('version')),
    versionString: need('version'),
    commit: facts.get('commit') ?? '',
    bindir: need('bindir'),
    baseImage: need('image'),
    os,
    arch: need('arch'),
    dlext: need('dlext'),
    llvmVersion: facts.get('llvm') ?? '',
    libjulia,
    libDir,
    privateLibDir: internal ? path.dirname(internal) : libDir,
    libjuliaUnversioned: facts.get('libjulia_unversioned') === 'true',
    hasLibjuliaInternal: internal !== '',
    privateLibexecDir: facts.get('private_libexecdir') ?? '',
    macosVersions: product
      ? { product, platform: facts.get('macos_platform_version') || product }
      : undefined,
    chainedEntryPoint: facts.get('chained_entry_point') === 'true',
    cpuName: facts.get('cpu_name') ?? '',
    depotPath: parseKeyValueRows(text)
      .filter((row) => row[0] === 'depot')
      .map((row) => row.slice(1).join('\t'))
  }
}

/** Runs the probe script with the given Julia. */
export async function probeJulia(executable: string, env: NodeJS.ProcessEnv): Promise<JuliaInfo> {
  let result
  try {
    result = await runJuliaProcess(
      executable,
      ['--startup-file=no', '--history-file=no', juliaScript('probe')],
      {
        env,
        timeoutMs: 120_000
      }
    )
  } catch (error) {
    throw new UserError(
      'julia',
      `cannot start ${executable} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      'Pass the path of a working Julia executable with --julia (action: julia-path), or put julia on PATH'
    )
  }
  if (result.code !== 0) {
    throw new UserError(
      'julia',
      `${executable} did not run (${result.signal ?? `exit code ${result.code}`}): ${lastLines(result.stderr, 5) || 'no output'}`,
      'Check that this Julia installation works: run it with --version'
    )
  }
  const info = parseProbeOutput(executable, result.stdout)
  const cpuOverride = env[cpuNameOverrideVariable]
  return cpuOverride ? { ...info, cpuName: cpuOverride } : info
}
