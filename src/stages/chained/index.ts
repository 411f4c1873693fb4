import path from 'node:path'
import type { BaseArchive } from '../base-archive/index.js'
import { findLinker, linkDone, type LinkOutcome } from '../link/index.js'
import type { Stage } from '../stage.js'
import { linkChainedImage } from './chained.js'
import { findObjcopy } from './llvm-tools.js'

export { chainIncapability, probeChainSupport, type ChainSupport } from './support.js'

/**
 * Links a chained image: the new code of the chained object archive onto the base archive's
 * code (without its link table, removed with `llvm-objcopy`).
 */
export const chainedLinkStage: Stage<{ base: BaseArchive }, LinkOutcome> = {
  name: () => 'link',
  async run(ctx, { base }) {
    const { julia, output, request } = ctx.prepared
    const linker = await findLinker(julia)
    const objcopy = await findObjcopy(julia, request, ctx.log)
    const linked = await linkChainedImage(
      julia,
      {
        chainedArchive: ctx.work('image-o.a'),
        base,
        objcopy,
        linker,
        workDir: ctx.workDir,
        output: ctx.partialImage,
        finalName: path.basename(output)
      },
      request.env
    )
    return linkDone(ctx, linked)
  }
}
