import { execFileSync, spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fixturesDir } from './test-julia.js'

const standinDir = path.join(fixturesDir, 'chain-julia')

/** Why the stand-in cannot run here (it needs a C compiler, ar, llvm-objcopy, ld.lld), or undefined. */
export function standinMissingReason(): string | undefined {
  for (const tool of ['cc', 'ar', 'llvm-objcopy', 'ld.lld', 'readelf', 'nm']) {
    if (spawnSync('which', [tool]).status !== 0) return `${tool} is not on PATH`
  }
  return undefined
}

/**
 * Compiles the stand-in's preload library and loader into `home` and writes the `julia` it is
 * started as. Returns that executable's path.
 */
export async function makeStandinJulia(home: string): Promise<string> {
  await fs.mkdir(path.join(home, 'bin'), { recursive: true })
  const cc = (...args: string[]) => execFileSync('cc', args, { stdio: 'pipe' })
  cc('-shared', '-fPIC', '-o', path.join(home, 'libchainstub.so'), path.join(standinDir, 'stub.c'))
  cc('-o', path.join(home, 'loader'), path.join(standinDir, 'loader.c'), '-ldl')
  const realJulia = execFileSync('which', ['julia'], { encoding: 'utf8' }).trim()
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const julia = path.join(home, 'bin', 'julia')
  await fs.writeFile(
    julia,
    [
      '#!/bin/sh',
      `STANDIN_HOME=${quote(home)} STANDIN_REAL_JULIA=${quote(realJulia)} exec ${quote(process.execPath)} ${quote(path.join(standinDir, 'standin.mjs'))} "$@"`,
      ''
    ].join('\n'),
    { mode: 0o755 }
  )
  return julia
}

/** The strings a stand-in image carries (kind, the base it was built on, its packages). */
export function standinImageFacts(
  home: string,
  image: string
): { kind: string; baseId: string; packages: string } {
  const out = execFileSync(
    path.join(home, 'loader'),
    [image, 'standin_image_kind', 'standin_base_id', 'standin_packages'],
    { encoding: 'utf8' }
  )
  const [kind, baseId, packages] = out.split('\n')
  return { kind, baseId, packages }
}
