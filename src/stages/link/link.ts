import { promises as fs } from 'node:fs'
import path from 'node:path'
import { which } from '@actions/io'
import {
  bundledLldPath,
  compilerNames,
  hasJuliaLinkRecipe,
  imageNameArgs,
  linkCommand,
  lldDriverNames,
  parseJuliaLinkCommand,
  type LinkCommand,
  type Linker
} from './linker.js'
import { UserError } from '../../errors.js'
import type { JuliaInfo } from '../../julia/probe.js'
import { runJulia } from '../../julia/process.js'
import { juliaScript } from '../../julia/scripts.js'
import { lastLines, run } from '../../util/process.js'
import { isFile, pathExists } from '../../util/files.js'

/** A linker found on this machine for the hand-written recipe: bundled lld, lld on PATH, a C compiler. */
async function findHandLinker(julia: JuliaInfo): Promise<Linker> {
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

/**
 * Julia ≥ 1.9 links with its own recipe (asked at link time); older Julia with the hand-written
 * one and the first linker found.
 */
export async function findLinker(julia: JuliaInfo): Promise<Linker> {
  if (hasJuliaLinkRecipe(julia)) return { kind: 'julia-recipe', path: julia.executable }
  return findHandLinker(julia)
}

async function programExists(program: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (path.isAbsolute(program)) return pathExists(program)
  // Base.Linking falls back to a bare `lld` when it has none bundled: look it up in the PATH the
  // link process gets, as spawning it would
  const extensions = process.platform === 'win32' ? ['', '.exe'] : ['']
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const ext of extensions) if (await isFile(path.join(dir, program + ext))) return true
  }
  return false
}

/**
 * The command `Base.Linking.link_image_cmd` of this Julia gives for these paths, or why it
 * cannot be used (the script failed, or the program it names is not on this machine).
 */
async function juliaRecipeCommand(
  julia: JuliaInfo,
  objects: string[],
  output: string,
  env: NodeJS.ProcessEnv
): Promise<LinkCommand | string> {
  const result = await runJulia(
    julia,
    {
      args: ['--startup-file=no', '--history-file=no', juliaScript('link'), output, ...objects],
      env: {}
    },
    env
  )
  if (result.code !== 0) {
    return `Julia could not give its link command (${result.signal ?? `exit code ${result.code}`}: ${lastLines(result.stderr, 3)})`
  }
  const command = parseJuliaLinkCommand(result.stdout)
  if (!(await programExists(command.command, { ...env, ...command.env })))
    return `the linker Julia names, ${command.command}, is not on this machine`
  return command
}

export interface LinkOutcome {
  /** The program that linked, and where its command came from. */
  program: string
  recipe: 'julia' | Exclude<Linker['kind'], 'julia-recipe'>
  /** Why Julia's own recipe was not used, when it was asked and failed. */
  fallback?: string
}

export async function linkImage(
  julia: JuliaInfo,
  linker: Linker,
  objects: string[],
  output: string,
  env: NodeJS.ProcessEnv,
  /** The image's final file name (soname / install name); the output's own name when absent. */
  finalName: string = path.basename(output)
): Promise<LinkOutcome> {
  let command: LinkCommand
  let outcome: LinkOutcome
  const fromJulia =
    linker.kind === 'julia-recipe'
      ? await juliaRecipeCommand(julia, objects, output, env)
      : undefined
  if (fromJulia !== undefined && typeof fromJulia !== 'string') {
    command = fromJulia
    outcome = { program: command.command, recipe: 'julia' }
  } else {
    const hand = linker.kind === 'julia-recipe' ? await findHandLinker(julia) : linker
    command = linkCommand(hand, julia, objects, output, env)
    outcome = {
      program: hand.path,
      recipe: hand.kind as LinkOutcome['recipe'],
      fallback: fromJulia
    }
  }
  const kind = outcome.recipe === 'julia' ? 'lld' : outcome.recipe
  const args = [...command.args, ...imageNameArgs(kind, julia.os, finalName)]
  const result = await run(command.command, args, { env: { ...env, ...command.env } })
  if (result.code !== 0) {
    await fs.rm(output, { force: true })
    throw new UserError(
      'linker',
      `${command.command} failed (${result.signal ?? `exit code ${result.code}`}):\n${lastLines(result.stderr + result.stdout, 12)}`,
      'Check the linker and Julia library folders named above; rerun with --keep-work to keep the object file'
    )
  }
  return outcome
}

/** For the log: which program linked and whose recipe it followed. */
export function describeLink(outcome: LinkOutcome): string {
  const recipe =
    outcome.recipe === 'julia'
      ? "Julia's own recipe (Base.Linking)"
      : `julia-sysimage's recipe for ${outcome.recipe}`
  return `${outcome.program}, ${recipe}${outcome.fallback ? `; ${outcome.fallback}` : ''}`
}
