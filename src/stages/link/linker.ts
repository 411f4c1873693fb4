import path from 'node:path'
import type { JuliaInfo } from '../../julia/probe.js'
import { atLeast } from '../../julia/version.js'

/**
 * Pure: which linker to use and the exact command that links an image object into a shared
 * library, per OS and Julia version. Julia ≥ 1.9 is asked for its own command
 * (`Base.Linking.link_image_cmd`, see julia/link.jl); the hand-written recipe below mirrors
 * that function of Julia 1.9–1.12 (`base/linking.jl`) and serves older Julia, and newer Julia whose
 * own linker is missing.
 */
export type LinkerKind =
  /** Julia ≥ 1.9: the command `Base.Linking.link_image_cmd` of the Julia in use gives. */
  | 'julia-recipe'
  /** `libexec/julia/lld` shipped with Julia ≥ 1.9; needs Julia's libraries on the loader path. */
  | 'bundled-lld'
  /** A flavour-named LLD driver on PATH: `ld.lld` (ELF, COFF-mingw) or `ld64.lld` (Mach-O). */
  | 'lld'
  /** A C compiler driver, the last resort. */
  | 'cc'

export interface Linker {
  kind: LinkerKind
  path: string
}

export interface LinkCommand {
  command: string
  args: string[]
  env: Record<string, string>
}

/**
 * Pure: the flags that name the image inside itself, after its final file name (it is linked to
 * a temporary name and renamed): the ELF soname, or the Mach-O install name `@rpath/<name>`
 * (ld64 would otherwise record the temporary path). Windows DLLs take their name from the file.
 */
export function imageNameArgs(kind: LinkerKind, os: JuliaInfo['os'], name: string): string[] {
  const args =
    os === 'macos' ? ['-install_name', `@rpath/${name}`] : os === 'linux' ? ['-soname', name] : []
  return kind === 'cc' && args.length > 0 ? [`-Wl,${args.join(',')}`] : args
}

/** Pure: Julia 1.9 added `Base.Linking` (for package images), so it can say how it links. */
export function hasJuliaLinkRecipe(julia: Pick<JuliaInfo, 'version'>): boolean {
  return atLeast(julia.version, 1, 9)
}

/**
 * Pure: the command julia/link.jl printed: NUL-terminated fields, `arg <word>` for the
 * program and each argument, `env <name> <value>` for each variable it sets differently.
 */
export function parseJuliaLinkCommand(output: string): LinkCommand {
  const fields = output.split('\0')
  if (fields.at(-1) === '') fields.pop()
  const words: string[] = []
  const env: Record<string, string> = {}
  for (let i = 0; i < fields.length;) {
    const kind = fields[i]
    if (kind === 'arg' && i + 1 < fields.length) {
      words.push(fields[i + 1])
      i += 2
    } else if (kind === 'env' && i + 2 < fields.length) {
      env[fields[i + 1]] = fields[i + 2]
      i += 3
    } else {
      throw new Error(`unexpected link command field ${JSON.stringify(kind)} at ${i}`)
    }
  }
  if (words.length === 0 || !words[0]) throw new Error('the link command names no program')
  return { command: words[0], args: words.slice(1), env }
}

export function bundledLldPath(julia: JuliaInfo): string | undefined {
  if (!atLeast(julia.version, 1, 9) || !julia.privateLibexecDir) return undefined
  // plan with the target's path rules, whatever OS the planning runs on
  const paths = julia.os === 'windows' ? path.win32 : path.posix
  return paths.join(
    julia.bindir,
    julia.privateLibexecDir,
    julia.os === 'windows' ? 'lld.exe' : 'lld'
  )
}

/** Names of an LLD driver to look for on PATH, by target OS. */
export function lldDriverNames(os: JuliaInfo['os']): string[] {
  if (os === 'macos') return ['ld64.lld']
  if (os === 'windows') return ['ld.lld.exe', 'ld.lld']
  return ['ld.lld']
}

export const compilerNames = ['cc', 'gcc', 'clang']

/** The `-l` flags for Julia's own libraries. */
function juliaLibraries(julia: JuliaInfo): string[] {
  // A distribution build may ship only `libjulia.so.1` (no development symlink): name the file.
  const libjulia =
    julia.libjuliaUnversioned || julia.os !== 'linux'
      ? '-ljulia'
      : `-l:${path.basename(julia.libjulia)}`
  return julia.hasLibjuliaInternal ? [libjulia, '-ljulia-internal'] : [libjulia]
}

function searchDirs(julia: JuliaInfo): string[] {
  const dirs = [julia.privateLibDir, julia.libDir]
  if (julia.os === 'windows') dirs.push(julia.bindir) // DLLs and some import libraries live in bin/
  return [...new Set(dirs)].map((dir) => `-L${dir}`)
}

/** Loader path so the bundled lld finds Julia's libLLVM (it is linked dynamically against it). */
function loaderEnv(julia: JuliaInfo, inherited: NodeJS.ProcessEnv): Record<string, string> {
  const dirs = [...new Set([julia.privateLibDir, julia.libDir])]
  const variable =
    julia.os === 'linux'
      ? 'LD_LIBRARY_PATH'
      : julia.os === 'macos'
        ? 'DYLD_FALLBACK_LIBRARY_PATH'
        : 'PATH'
  const separator = julia.os === 'windows' ? ';' : ':'
  const existing = inherited[variable]
  return { [variable]: [...dirs, ...(existing ? [existing] : [])].join(separator) }
}

function elfArgs(julia: JuliaInfo, objects: string[], output: string): string[] {
  return [
    '-shared',
    '-o',
    output,
    '--whole-archive',
    ...objects,
    '--no-whole-archive',
    ...searchDirs(julia),
    ...juliaLibraries(julia)
  ]
}

function machoArgs(julia: JuliaInfo, objects: string[], output: string): string[] {
  const arch = julia.arch === 'aarch64' ? 'arm64' : julia.arch
  const versions = julia.macosVersions ?? { product: '11.0', platform: '11.0' }
  return [
    '-arch',
    arch,
    // -lSystem is only linkable with Xcode present; leave libc symbols to the loader
    '-undefined',
    'dynamic_lookup',
    '-platform_version',
    'macos',
    versions.product,
    versions.platform,
    '-dylib',
    '-o',
    output,
    '-all_load',
    ...objects,
    ...searchDirs(julia),
    ...juliaLibraries(julia)
  ]
}

function mingwArgs(julia: JuliaInfo, objects: string[], output: string): string[] {
  const args = [
    '-m',
    'i386pep',
    '-Bdynamic',
    '--enable-auto-image-base',
    '--allow-multiple-definition'
  ]
  // Julia's `ld()` passes these since 1.10.5 (the backport of JuliaLang/julia#54572, which marks
  // Julia's globals dllimport): without them lld resolves such references by auto-import and
  // runtime pseudo-relocations, which an image linked without the MinGW startup code never runs.
  if (atLeast(julia.version, 1, 10, 5))
    args.push('--disable-auto-import', '--disable-runtime-pseudo-reloc')
  // `-lssp` (stack protector) up to 1.12; 1.13's base/linking.jl links it only for debug builds
  // (release builds have no stack protector), and julia-sysimage links against release builds.
  const ssp = atLeast(julia.version, 1, 13) ? [] : ['-lssp']
  return [
    ...args,
    ...elfArgs(julia, objects, output),
    '-lopenlibm',
    ...ssp,
    '-lgcc_s',
    '-lgcc',
    '-lmsvcrt'
  ]
}

function compilerArgs(julia: JuliaInfo, objects: string[], output: string): string[] {
  const whole =
    julia.os === 'macos'
      ? ['-Wl,-all_load', ...objects]
      : ['-Wl,--whole-archive', ...objects, '-Wl,--no-whole-archive']
  const extra = julia.os === 'windows' ? ['-lopenlibm'] : []
  return [
    '-shared',
    '-o',
    output,
    ...whole,
    ...searchDirs(julia),
    ...juliaLibraries(julia),
    ...extra
  ]
}

export function linkCommand(
  linker: Linker,
  julia: JuliaInfo,
  /** The image's archive, or (chained) its object files; every member is linked in. */
  objects: string[],
  output: string,
  inheritedEnv: NodeJS.ProcessEnv = {}
): LinkCommand {
  if (linker.kind === 'julia-recipe') {
    throw new Error('the julia-recipe linker is asked for its command (stages/link.ts)')
  }
  if (linker.kind === 'cc') {
    return { command: linker.path, args: compilerArgs(julia, objects, output), env: {} }
  }
  const flavorArgs =
    julia.os === 'macos'
      ? machoArgs(julia, objects, output)
      : julia.os === 'windows'
        ? mingwArgs(julia, objects, output)
        : elfArgs(julia, objects, output)
  if (linker.kind === 'bundled-lld') {
    const flavor = julia.os === 'macos' ? 'darwin' : 'gnu'
    return {
      command: linker.path,
      args: ['-flavor', flavor, ...flavorArgs],
      env: loaderEnv(julia, inheritedEnv)
    }
  }
  return { command: linker.path, args: flavorArgs, env: {} }
}
