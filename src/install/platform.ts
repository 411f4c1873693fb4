import { UserError } from '../errors.js'

/** Operating systems as Julia's release index (`versions.json`) names them. */
export type JuliaOs = 'linux' | 'mac' | 'winnt' | 'freebsd'

/** Architectures as Julia's release index names them. */
export type JuliaArch = 'x86_64' | 'aarch64' | 'i686'

export type Libc = 'glibc' | 'musl'

/** The machine a Julia download must run on. */
export interface JuliaPlatform {
  os: JuliaOs
  arch: JuliaArch
  /** Only meaningful on Linux: a musl build does not run on glibc and the other way round. */
  libc: Libc
}

const osByNodePlatform: Record<string, JuliaOs> = {
  linux: 'linux',
  darwin: 'mac',
  win32: 'winnt',
  freebsd: 'freebsd'
}

/**
 * Every way runners, Node and users spell an architecture, lower-cased. Runners say `X64` and
 * `ARM64` (RUNNER_ARCH), Node says `x64`/`arm64`/`ia32`, uname says `x86_64`/`aarch64`/`i686`.
 */
const archBySpelling: Record<string, JuliaArch> = {
  x64: 'x86_64',
  x86_64: 'x86_64',
  amd64: 'x86_64',
  arm64: 'aarch64',
  aarch64: 'aarch64',
  x86: 'i686',
  i686: 'i686',
  i386: 'i686',
  ia32: 'i686'
}

/** Pure: Node's `process.platform` → Julia's os name. */
export function juliaOs(nodePlatform: string): JuliaOs {
  const os = osByNodePlatform[nodePlatform]
  if (!os) {
    throw new UserError(
      'os',
      `Julia publishes no builds for ${nodePlatform}`,
      'Run on Linux, macOS or Windows, or pass the path of a Julia you built with --julia (julia-path)'
    )
  }
  return os
}

/**
 * Pure: an architecture as the user or the runner wrote it → Julia's name. An empty value or
 * `default` means the machine's own (`nodeArch`, i.e. `process.arch`).
 */
export function juliaArch(spelling: string | undefined, nodeArch: string): JuliaArch {
  const wanted = spelling?.trim() ?? ''
  const key = wanted === '' || wanted.toLowerCase() === 'default' ? nodeArch : wanted
  const arch = archBySpelling[key.toLowerCase()]
  if (!arch) {
    throw new UserError(
      'arch',
      `${JSON.stringify(key)} is not an architecture Julia is built for`,
      'Use x64 (x86_64), aarch64 (arm64) or x86 (i686), or leave it empty for this machine'
    )
  }
  return arch
}

/**
 * Pure: the key under which a Julia is kept in the tool cache (`julia/<version>/<key>`). These
 * are setup-julia's keys, so a Julia that julia-actions/setup-julia installed is found too.
 */
export function toolCacheArch(arch: JuliaArch): string {
  return { x86_64: 'x64', aarch64: 'aarch64', i686: 'x86' }[arch]
}

/**
 * Which C library this Node runs against. Node's diagnostic report names the glibc it was
 * loaded with; a musl Node (Alpine) has none. Non-Linux systems are reported as glibc, which
 * is never consulted for them.
 */
export function hostLibc(): Libc {
  if (process.platform !== 'linux') return 'glibc'
  const report = process.report?.getReport() as
    { header?: { glibcVersionRuntime?: string } } | undefined
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl'
}

/** The platform of this machine, or of `arch` on this machine's OS (e.g. x64 Julia on arm64 macOS). */
export function hostPlatform(arch?: string): JuliaPlatform {
  return {
    os: juliaOs(process.platform),
    arch: juliaArch(arch, process.arch),
    libc: hostLibc()
  }
}

/** Pure: a short human name for error messages and logs (`linux x86_64 (glibc)`). */
export function describePlatform(platform: JuliaPlatform): string {
  return platform.os === 'linux'
    ? `${platform.os} ${platform.arch} (${platform.libc})`
    : `${platform.os} ${platform.arch}`
}
