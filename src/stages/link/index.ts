import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Stage, StageContext } from '../stage.js'
import { describeLink, findLinker, linkImage, type LinkOutcome } from './link.js'

export { describeLink, findLinker, linkImage, type LinkOutcome } from './link.js'
export type { Linker } from './linker.js'

/** Links the object archive into the image (at the partial path, until it is verified). */
export const linkStage: Stage<object, LinkOutcome> = {
  name: () => 'link',
  async run(ctx) {
    const { julia, output, request } = ctx.prepared
    const linker = await findLinker(julia)
    const linked = await linkImage(
      julia,
      linker,
      [ctx.work('image-o.a')],
      ctx.partialImage,
      request.env,
      path.basename(output)
    )
    return linkDone(ctx, linked)
  }
}

/** The end of every link: say how it was linked, drop the object unless the work is kept. */
export async function linkDone(ctx: StageContext, linked: LinkOutcome): Promise<LinkOutcome> {
  ctx.log.info(`linker: ${describeLink(linked)}`)
  if (!ctx.prepared.request.keepWorkDir) await fs.rm(ctx.work('image-o.a'), { force: true })
  return linked
}
