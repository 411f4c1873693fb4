import { promises as fs } from 'node:fs'
import { which } from '@actions/io'
import {
  bundledLldPath,
  compilerNames,
  linkCommand,
  lldDriverNames,
  type Linker
} from '../build/linker.js'
import { UserError } from '../errors.js'
import type { JuliaInfo } from '../julia/probe.js'
import { lastLines, run } from '../util/process.js'
import { pathExists } from '../util/files.js'

/** Julia's bundled lld, else an LLD driver on PATH, else a C compiler. */
export async function findLinker(julia: JuliaInfo): Promise<Linker> {
  const bundled = bundledLldPath(julia)
  if (bundled && (await pathExists(bundled))) return { kind: 'bundled-lld', path: bundled }
  for (const name of lldDriverNames(julia.os)) {
    const found = await which(name, false)
    if (found) return { kind: 'lld', path: found }
  }
  for (const name of compilerNames) {
    const found = await which(name, false)
    if (found) return { kind: 'cc', path: found }
  }
  throw new UserError(
    'linker',
    `no linker found: Julia ${julia.versionString} ships no lld (Julia ≥ 1.9 does), and neither ${lldDriverNames(julia.os).join(', ')} nor a C compiler is on PATH`,
    'Install LLVM lld (Debian/Ubuntu: apt-get install lld) or use Julia ≥ 1.9'
  )
}

export async function linkImage(
  julia: JuliaInfo,
  linker: Linker,
  objects: string[],
  output: string,
  env: NodeJS.ProcessEnv
): Promise<void> {
  const command = linkCommand(linker, julia, objects, output, env)
  const result = await run(command.command, command.args, { env: { ...env, ...command.env } })
  if (result.code !== 0) {
    await fs.rm(output, { force: true })
    throw new UserError(
      'linker',
      `${linker.path} failed (${result.signal ?? `exit code ${result.code}`}):\n${lastLines(result.stderr + result.stdout, 12)}`,
      'Check the linker and Julia library folders named above; rerun with --keep-work to keep the object file'
    )
  }
}
