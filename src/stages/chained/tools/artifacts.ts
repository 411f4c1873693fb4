import { parse as parseToml } from 'smol-toml'
import { UserError, errorMessage } from '../../../errors.js'
import type { JuliaArch, Libc } from '../../../install/index.js'
import type { JuliaOS } from '../../../julia/probe.js'

/** The machine the LLVM tools must run on, in the probe's terms (`macos`, not Julia's `mac`). */
export interface ToolPlatform {
  os: JuliaOS
  arch: JuliaArch
  /** Only compared on Linux: JLL builds for other systems carry no libc. */
  libc: Libc
}

/** One platform build listed in a JLL package's Artifacts.toml, with its download. */
export interface JllArtifact {
  /** The artifact's name, the table's top-level key: `LLD`, `LLVM_full`. */
  name: string
  arch: string
  os: string
  libc?: string
  cxxstringAbi?: string
  callAbi?: string
  /** Sanitizer builds (`memory`) are for debugging LLVM, never for use. */
  sanitize?: string
  /** LLD's tag for the libLLVM it is built against: `15`, or `15.asserts` for a debug build. */
  llvmVersion?: string
  /** A build with LLVM assertions on: slower, and its ABI differs from a release libLLVM. */
  asserts: boolean
  url: string
  /** Lower-case hex, as the table lists it. */
  sha256: string
  /** The url's last segment: `LLD.v15.0.7.x86_64-linux-gnu-cxx11-llvm_version+15.tar.gz`. */
  fileName: string
  /** The package version in the file name: `15.0.7`. */
  version: string
  /** The version with the build number of the release tag when the url has one: `15.0.7+14`. */
  build: string
  /** The platform part of the file name: `x86_64-linux-gnu-cxx11-llvm_version+15`. */
  triplet: string
}

/** `<Name>.v<x.y.z>.<triplet>.tar.gz`, the file names BinaryBuilder gives JLL tarballs. */
const fileNamePattern = /^([A-Za-z0-9_]+)\.v(\d+\.\d+\.\d+)\.(.+)\.tar\.gz$/

const shaPattern = /^[0-9a-f]{64}$/i

type TomlTable = Record<string, unknown>

function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function optionalString(table: TomlTable, key: string): string | undefined {
  const value = table[key]
  return typeof value === 'string' ? value : undefined
}

/**
 * Pure: every platform build an Artifacts.toml lists. `source` names the table in errors (its
 * path). Artifacts that are not per-platform (a single table, not an array) are skipped: the
 * LLVM tools are always per-platform.
 */
export function parseArtifactsToml(text: string, source: string): JllArtifact[] {
  let data: TomlTable
  try {
    data = parseToml(text)
  } catch (error) {
    throw malformed(source, `not valid TOML (${errorMessage(error).split('\n')[0]})`)
  }
  const artifacts: JllArtifact[] = []
  for (const [name, builds] of Object.entries(data)) {
    if (!Array.isArray(builds)) continue
    builds.forEach((build: unknown, index) => {
      artifacts.push(parseBuild(name, build, `${name}[${index}]`, source))
    })
  }
  return artifacts
}

function parseBuild(name: string, build: unknown, where: string, source: string): JllArtifact {
  if (!isTable(build)) throw malformed(source, `${where} is not a table`)
  const arch = optionalString(build, 'arch')
  const os = optionalString(build, 'os')
  if (!arch || !os) throw malformed(source, `${where} has no arch or os`)
  const downloads = build.download
  const download = Array.isArray(downloads) ? downloads.find(isTable) : undefined
  const url = download && optionalString(download, 'url')
  const sha256 = download && optionalString(download, 'sha256')
  if (!url || !sha256 || !shaPattern.test(sha256)) {
    throw malformed(source, `${where} (${arch} ${os}) has no download url with a sha256`)
  }
  const fileName = url.slice(url.lastIndexOf('/') + 1)
  const parts = fileNamePattern.exec(fileName)
  if (!parts) {
    throw malformed(source, `${where} downloads ${url}, not a <Name>.v<x.y.z>.<platform>.tar.gz`)
  }
  const [, , version, triplet] = parts
  // The release tag folder (`LLD-v15.0.7+14/`) carries the build number the file name lacks.
  const tag = new RegExp(`/[^/]*-v${version.replaceAll('.', '\\.')}(\\+\\d+)/[^/]*$`).exec(url)
  const llvmVersion = optionalString(build, 'llvm_version')
  return {
    name,
    arch,
    os,
    libc: optionalString(build, 'libc'),
    cxxstringAbi: optionalString(build, 'cxxstring_abi'),
    callAbi: optionalString(build, 'call_abi'),
    sanitize: optionalString(build, 'sanitize'),
    llvmVersion,
    asserts: (llvmVersion?.endsWith('.asserts') ?? false) || triplet.includes('.asserts'),
    url,
    sha256: sha256.toLowerCase(),
    fileName,
    version,
    build: tag ? `${version}${tag[1]}` : version,
    triplet
  }
}

function malformed(source: string, problem: string): UserError {
  return new UserError(
    source,
    `is not a usable JLL Artifacts.toml: ${problem}`,
    'Restore the file as the JLL package publishes it (it is the source of the sha256 sums)'
  )
}

/** Pure: the tools a user can put on PATH instead of a JLL package, for error messages. */
export function pathAlternative(name: string): string {
  const tools: Record<string, string> = {
    LLD: 'ld.lld, ld64.lld or lld-link',
    LLVM_full: 'llvm-objcopy and llvm-ar'
  }
  return tools[name] ?? `the ${name} tools`
}

/** `linux x86_64 (glibc)`, `macos aarch64`: libc only where it tells builds apart. */
function describe(target: { os: string; arch: string; libc?: string }): string {
  return target.os === 'linux'
    ? `${target.os} ${target.arch} (${target.libc})`
    : `${target.os} ${target.arch}`
}

/** Lower is better: Julia's official builds use the C++11 string ABI. */
function cxxRank(artifact: JllArtifact): number {
  if (artifact.cxxstringAbi === 'cxx11') return 0
  if (artifact.cxxstringAbi === undefined) return 1
  return 2
}

/** A build made for the LLVM major: LLD says so in llvm_version, LLVM_full by being that LLVM. */
function forLlvm(artifact: JllArtifact, llvmMajor: number): boolean {
  if (artifact.llvmVersion !== undefined) return artifact.llvmVersion === String(llvmMajor)
  return artifact.version.split('.')[0] === String(llvmMajor)
}

/** A release build, usable on any machine: no assertions, no sanitizer, no special call ABI. */
function isRelease(artifact: JllArtifact): boolean {
  return !artifact.asserts && artifact.sanitize === undefined && artifact.callAbi === undefined
}

/**
 * Pure: the build of a JLL package for `platform` and the Julia's LLVM major. Release builds
 * only (an `.asserts` LLD does not load with a release libLLVM); where both C++ string ABIs
 * exist, cxx11, as Julia is built. Throws a UserError naming what exists when nothing fits.
 */
export function selectArtifact(
  artifacts: readonly JllArtifact[],
  platform: ToolPlatform,
  llvmMajor: number
): JllArtifact {
  const usable = artifacts.filter((a) => isRelease(a) && forLlvm(a, llvmMajor))
  const matching = usable.filter(
    (a) =>
      a.arch === platform.arch &&
      a.os === platform.os &&
      (platform.os !== 'linux' || a.libc === platform.libc)
  )
  // Stable sort: among equals, the table's order decides.
  const best = [...matching].sort((a, b) => cxxRank(a) - cxxRank(b))[0]
  if (best) return best
  const name = artifacts[0]?.name ?? ''
  const existing = [...new Set(usable.map(describe))].sort()
  throw new UserError(
    'julia',
    `${name ? `${name}_jll` : 'the JLL table'} has no build for ${describe(platform)} with LLVM ${llvmMajor}${existing.length ? ` (it has ${existing.join(', ')})` : ''}`,
    `Run on a platform it has a build for, pass julia-path (--julia) of a Julia whose LLVM has one, or put ${pathAlternative(name)} on PATH`
  )
}
