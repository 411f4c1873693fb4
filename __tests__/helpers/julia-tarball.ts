import { createHash } from 'node:crypto'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sha256File } from '../../src/util/hash.js'
import { findOnPath, juliaVersionOf } from '../../src/install/select.js'
import { lastLines, run } from '../../src/util/process.js'
import { juliaTestEnv, libunwindDir } from './test-julia.js'

/**
 * A Julia release tarball made from the Julia installed on the test machine, laid out like an
 * official one (`julia-<version>/bin/julia` …), with its real sha256: what the installer tests
 * download from a loopback server.
 */
export interface JuliaTarball {
  file: string
  sha256: string
  size: number
  version: string
  /** The installation it was packed from, to compare files (e.g. mtimes) with. */
  sourcePrefix: string
  /** Where libjulia sits relative to the prefix (Debian: lib/x86_64-linux-gnu). */
  libDir: string
  /** Seconds it took to pack, 0 when a cached tarball was reused. */
  packSeconds: number
}

/** Bump when the packing below changes, so cached tarballs of the old recipe are not reused. */
const recipe = 3

const multiarch: Record<string, string> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  ia32: 'i386-linux-gnu'
}

/** Parts of glibc: every system has them, and a copy from another glibc would clash. */
const glibcPart =
  /^(ld-linux.*|linux-vdso.*|lib(c|m|dl|rt|pthread|resolv|util|mvec|anl|nsl|BrokenLocale|thread_db)\.so(\..*)?)$/

/** Why no tarball can be made here (no Julia on PATH), or undefined. */
export async function juliaTarballUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'the test tarball is packed from a Linux Julia'
  return (await findOnPath(process.env))
    ? undefined
    : 'no julia on PATH to pack a test tarball from'
}

/**
 * Packs (or reuses, keyed by the Julia binary's mtime and size) the test tarball under the OS
 * temp folder. Packing takes a while (~300 MB of files gzipped), reruns are instant.
 */
export async function juliaTarball(): Promise<JuliaTarball> {
  const julia = await fs.realpath(await juliaBinary((await findOnPath(process.env))!))
  const version = await juliaVersionOf(julia, process.env, 'julia')
  const prefix = path.dirname(path.dirname(julia))
  const libunwind = libunwindDir ? path.join(libunwindDir, 'libunwind.so.8') : undefined
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        recipe,
        julia,
        await stamp(julia),
        libunwind,
        libunwind && (await stamp(libunwind))
      ])
    )
    .digest('hex')
    .slice(0, 16)
  const dir = path.join(os.tmpdir(), 'julia-sysimage-test-tarball', key)
  const file = path.join(
    dir,
    `julia-${version}-linux-${process.arch === 'x64' ? 'x86_64' : process.arch}.tar.gz`
  )
  const layout = standaloneLayout(prefix)
    ? { libDir: 'lib' }
    : { libDir: path.join('lib', multiarch[process.arch] ?? '') }
  let packSeconds = 0
  if (!existsSync(`${file}.sha256`)) {
    const started = performance.now()
    await fs.rm(dir, { recursive: true, force: true })
    await fs.mkdir(dir, { recursive: true })
    const stage = path.join(dir, 'stage')
    const top = path.join(stage, `julia-${version}`)
    if (standaloneLayout(prefix)) {
      await sh('cp', ['-a', prefix, top])
    } else {
      await stageDebianJulia(prefix, top, layout.libDir, libunwind)
    }
    await sh('tar', ['-czf', `${file}.partial`, '-C', stage, path.basename(top)])
    await fs.rename(`${file}.partial`, file)
    await fs.rm(stage, { recursive: true, force: true })
    await fs.writeFile(`${file}.sha256`, await sha256File(file))
    packSeconds = (performance.now() - started) / 1000
  }
  return {
    file,
    sha256: (await fs.readFile(`${file}.sha256`, 'utf8')).trim(),
    size: (await fs.stat(file)).size,
    version,
    sourcePrefix: prefix,
    libDir: layout.libDir,
    packSeconds
  }
}

/**
 * The Julia binary itself, asked from Julia: the `julia` on PATH may be a launcher script (such
 * as the one .ci/setup-julia.sh installs to set LD_LIBRARY_PATH), not the installation.
 */
async function juliaBinary(onPath: string): Promise<string> {
  const result = await run(
    onPath,
    ['--startup-file=no', '-e', 'print(joinpath(Sys.BINDIR, Base.julia_exename()))'],
    { env: juliaTestEnv(os.tmpdir()) }
  )
  if (result.code !== 0) throw new Error(`${onPath} failed: ${lastLines(result.stderr, 5)}`)
  return result.stdout.trim()
}

/** An official-style install (bin/, lib/julia/ with the image): pack the folder as it is. */
function standaloneLayout(prefix: string): boolean {
  return prefix !== '/usr' && existsSync(path.join(prefix, 'lib', 'julia'))
}

async function stamp(file: string): Promise<string> {
  const stat = await fs.stat(file)
  return `${stat.mtimeMs}:${stat.size}`
}

async function sh(command: string, args: string[]): Promise<string> {
  const result = await run(command, args, { timeoutMs: 10 * 60_000 })
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${lastLines(result.stderr, 5)}`)
  return result.stdout
}

/**
 * Debian spreads Julia over /usr (binary, lib/, share/julia). Copy its parts into one prefix in the same
 * relative layout, which its RUNPATHs (`$ORIGIN/../lib/<multiarch>`, libjulia's `$ORIGIN` and
 * `$ORIGIN/julia`) resolve from wherever the prefix lands. Then add every shared library the
 * loader would take from the system (ldd), except glibc's, so the copy runs on its own.
 */
async function stageDebianJulia(
  prefix: string,
  top: string,
  libDir: string,
  libunwind: string | undefined
) {
  const sourceLib = path.join(prefix, libDir)
  const stageLib = path.join(top, libDir)
  await fs.mkdir(path.join(top, 'bin'), { recursive: true })
  await fs.mkdir(path.join(top, 'share'), { recursive: true })
  await fs.mkdir(stageLib, { recursive: true })
  // cp -a keeps mtimes (Julia checks stdlib caches against them) and the relative symlinks.
  await sh('cp', ['-a', path.join(prefix, 'bin', 'julia'), path.join(top, 'bin', 'julia')])
  await sh('cp', ['-a', path.join(sourceLib, 'julia'), stageLib])
  // Debian's libjulia.so.1 is a symlink (to libjulia.so.1.5): copy the library under that name.
  await sh('cp', ['-L', '--preserve=timestamps', path.join(sourceLib, 'libjulia.so.1'), stageLib])
  await sh('cp', ['-a', path.join(prefix, 'share', 'julia'), path.join(top, 'share')])

  // lib/<multiarch>/julia/ links to siblings in lib/<multiarch> (libcurl.so -> ../libcurl-gnutls.so.4).
  const privateLib = path.join(sourceLib, 'julia')
  const wanted = new Map<string, string>()
  for (const name of await fs.readdir(privateLib)) {
    const link = await fs.readlink(path.join(privateLib, name)).catch(() => undefined)
    if (link?.startsWith('../') && !link.slice(3).includes('/'))
      wanted.set(link.slice(3), path.join(sourceLib, link.slice(3)))
  }
  // …and everything those, libjulia and the julia binary load, as the loader resolves it here.
  const objects = [path.join(prefix, 'bin', 'julia'), path.join(sourceLib, 'libjulia.so.1')]
  for (const name of await fs.readdir(privateLib))
    if (name.includes('.so')) objects.push(path.join(privateLib, name))
  for (const object of objects) {
    const result = await run('ldd', [object])
    for (const match of result.stdout.matchAll(/^\s*(\S+) => (\/\S+)/gm)) {
      const [, soname, resolved] = match
      if (
        glibcPart.test(soname) ||
        resolved.startsWith(privateLib + path.sep) ||
        soname === 'libjulia.so.1'
      )
        continue
      if (!wanted.has(soname)) wanted.set(soname, resolved)
    }
  }
  // Julia 1.5.3 needs libunwind 1.3.2: a newer one kills it on the first exception.
  if (libunwind) wanted.set('libunwind.so.8', libunwind)
  for (const [name, source] of wanted) {
    // -L: copy the library itself under the name the loader asks for, not a symlink to /usr.
    await sh('cp', ['-L', '--preserve=timestamps', source, path.join(stageLib, name)])
  }
}
