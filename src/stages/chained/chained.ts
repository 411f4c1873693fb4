import { promises as fs } from 'node:fs'
import path from 'node:path'
import { extractMembers } from './ar.js'
import {
  chainedLinkObjects,
  dataMember,
  oldTextName,
  removeLinkTableArgs,
  textMember
} from './recipe.js'
import { UserError } from '../../errors.js'
import type { JuliaInfo } from '../../julia/probe.js'
import { lastLines, run } from '../../util/process.js'
import type { BaseArchive } from '../base-archive/index.js'
import { linkImage, type Linker, type LinkOutcome } from '../link/index.js'

export interface ChainedLink {
  /** The chained build's `--output-o` archive: the new code and the image's data. */
  chainedArchive: string
  base: BaseArchive
  /** `llvm-objcopy` to remove the base's link table with. */
  objcopy: string
  linker: Linker
  workDir: string
  output: string
  /** The image's final file name, recorded inside it. */
  finalName?: string
}

/**
 * Links a chained image as PR #46045 does: unpack the chained archive, take the base's code as
 * `text-old.o` without its link table, and link `text.o data.o text-old.o`.
 */
export async function linkChainedImage(
  julia: JuliaInfo,
  spec: ChainedLink,
  env: NodeJS.ProcessEnv
): Promise<LinkOutcome> {
  const dir = path.join(spec.workDir, 'chained')
  await fs.mkdir(dir, { recursive: true })
  await extractMembers(spec.chainedArchive, [textMember, dataMember], dir)
  const baseDir = path.join(spec.workDir, 'base-text')
  const [baseText] = await extractMembers(spec.base.archive, [textMember], baseDir)
  const oldText = path.join(dir, oldTextName)
  await fs.rename(baseText, oldText)
  await fs.rm(baseDir, { recursive: true, force: true })

  const stripped = await run(spec.objcopy, removeLinkTableArgs(oldText), { env })
  if (stripped.code !== 0) {
    throw new UserError(
      'linker',
      `${spec.objcopy} could not remove the base's link table (${stripped.signal ?? `exit code ${stripped.code}`}):\n${lastLines(stripped.stderr + stripped.stdout, 8)}`,
      'Check that the base archive was written by this Julia; rerun with --keep-work to inspect it'
    )
  }
  const objects = chainedLinkObjects((name) => path.join(dir, name))
  return linkImage(julia, spec.linker, objects, spec.output, env, spec.finalName)
}
