import { buildTimeoutMs, type Stage } from '../stage.js'
import { provideBaseArchive, type BaseArchive } from './base-archive.js'
import type { BaseReference } from './record.js'

export { baseKeyFor, provideBaseArchive, type BaseArchive } from './base-archive.js'
export type { BaseRecord, BaseReference } from './record.js'

/**
 * The base a chained image is linked onto: Julia's own image re-emitted as an object archive
 * for the chosen CPU target, restored from the cache or built once.
 */
export const baseArchiveStage: Stage<object, BaseArchive, { base: BaseReference }> = {
  name: () => 'base',
  run: ({ prepared, workDir, cache, log }) =>
    provideBaseArchive(
      {
        julia: prepared.julia,
        cpuTarget: prepared.cpuTarget,
        cpu: prepared.cpu,
        cacheKeyPrefix: prepared.request.cacheKeyPrefix,
        imageThreads: prepared.imageThreads,
        projectDir: prepared.project.dir,
        workDir,
        env: prepared.request.env,
        timeoutMs: buildTimeoutMs(prepared.request)
      },
      cache,
      log
    ),
  facts: (base) => ({ base: base.reference })
}
