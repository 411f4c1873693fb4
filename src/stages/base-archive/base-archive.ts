import { promises as fs } from 'node:fs'
import path from 'node:path'
import {
  baseArchiveFile,
  baseImageFile,
  baseRecordFile,
  baseRecordProblem,
  type BaseRecord,
  type BaseReference
} from './record.js'
import { errorMessage } from '../../errors.js'
import { juliaKeyFields } from '../../key-inputs.js'
import { baseArchiveKey } from '../../keys.js'
import { baseArchiveCommand, baseArchiveFlags } from '../../julia/commands.js'
import type { JuliaInfo } from '../../julia/probe.js'
import { juliaScript } from '../../julia/scripts.js'
import type { Logger } from '../../log.js'
import { restoreEntry, saveEntry, type EntryCheck } from '../../store/cache-entries.js'
import type { ImageCache } from '../../store/types.js'
import { sha256File } from '../../util/hash.js'
import { entriesDir } from '../../util/user-cache.js'
import { formatBytes } from '../../util/memory.js'
import { findLinker, linkImage } from '../link/index.js'
import { runOutputProcess } from '../object/index.js'
import { checkImageLoadsAlone, loadProblem } from '../verify/index.js'

/** A base archive and the image linked from it, ready for a chained build. */
export interface BaseArchive {
  /** The folder holding both; a restored one is removed once the chained image is linked. */
  dir: string
  archive: string
  image: string
  reference: BaseReference
  restored: boolean
}

export interface BaseArchiveSpec {
  julia: JuliaInfo
  cpuTarget: string
  /** The CPU a `native` target compiles for (cpu-identity.ts); undefined for explicit targets. */
  cpu?: string
  cacheKeyPrefix: string
  imageThreads?: number
  /** A project folder to start the load check in (any will do: the check loads no package). */
  projectDir: string
  /** Scratch space of this build; a built base lives here until the build ends. */
  workDir: string
  env: NodeJS.ProcessEnv
  /** The `build-timeout` of its `--output-o` process, in milliseconds. */
  timeoutMs?: number
}

export async function baseKeyFor(spec: BaseArchiveSpec): Promise<string> {
  const { julia } = spec
  return baseArchiveKey({
    prefix: spec.cacheKeyPrefix,
    ...(await juliaKeyFields(julia)),
    cpuTarget: spec.cpuTarget,
    cpu: spec.cpu,
    flags: baseArchiveFlags(julia.version),
    scriptSha256: await sha256File(juliaScript('base_archive'))
  })
}

/** A restored entry's record once the entry passed its checks, or why it cannot serve. */
async function checkRestored(
  dir: string,
  key: string,
  spec: BaseArchiveSpec
): Promise<EntryCheck<BaseRecord>> {
  let record: BaseRecord
  try {
    record = JSON.parse(await fs.readFile(path.join(dir, baseRecordFile), 'utf8')) as BaseRecord
  } catch (error) {
    return { rejection: `its record cannot be read (${errorMessage(error)})` }
  }
  const problem = baseRecordProblem(record, {
    key,
    julia: spec.julia.versionString,
    dlext: spec.julia.dlext
  })
  if (problem) return { rejection: problem }
  for (const file of [record.archive, record.image]) {
    const sha256 = await sha256File(path.join(dir, file.file)).catch(() => undefined)
    if (sha256 !== file.sha256)
      return { rejection: `${file.file} has sha256 ${sha256 ?? '(missing)'}, not ${file.sha256}` }
  }
  const rejection = await loadProblem(
    spec.julia,
    path.join(dir, record.image.file),
    spec.projectDir,
    [], // no packages: only the start matters
    spec.workDir,
    spec.env
  )
  return rejection ? { rejection } : { value: record }
}

async function describe(dir: string, file: string): Promise<BaseRecord['archive']> {
  const full = path.join(dir, file)
  return { file, sha256: await sha256File(full), size: (await fs.stat(full)).size }
}

/** Regenerates Julia's base archive for the target, links it, checks that it loads. */
async function buildBase(
  spec: BaseArchiveSpec,
  key: string,
  dir: string,
  log: Logger
): Promise<BaseRecord> {
  const { julia } = spec
  await fs.mkdir(dir, { recursive: true })
  const archive = path.join(dir, baseArchiveFile)
  const image = path.join(dir, baseImageFile(julia.dlext))
  const command = baseArchiveCommand(julia.version, {
    juliaImage: julia.baseImage,
    cpuTarget: spec.cpuTarget,
    objectFile: archive,
    imageThreads: spec.imageThreads
  })
  const built = await runOutputProcess(
    julia,
    command,
    archive,
    spec.env,
    (line) => log.info(line),
    spec.timeoutMs
  )
  log.info(
    `base archive ${formatBytes(built.objectSize)}, peak memory ${formatBytes(built.peakMemory)}`
  )
  await linkImage(julia, await findLinker(julia), [archive], image, spec.env)
  await checkImageLoadsAlone(julia, image, spec.projectDir, [], spec.workDir, spec.env)
  const record: BaseRecord = {
    schema: 1,
    key,
    julia: julia.versionString,
    cpuTarget: spec.cpuTarget,
    archive: await describe(dir, baseArchiveFile),
    image: await describe(dir, baseImageFile(julia.dlext)),
    createdAt: new Date().toISOString()
  }
  await fs.writeFile(path.join(dir, baseRecordFile), `${JSON.stringify(record, null, 2)}\n`)
  return record
}

function toBase(dir: string, record: BaseRecord, restored: boolean): BaseArchive {
  return {
    dir,
    archive: path.join(dir, record.archive.file),
    image: path.join(dir, record.image.file),
    reference: { key: record.key, imageSha256: record.image.sha256 },
    restored
  }
}

/**
 * The base a chained image is built against: restored from the cache when this Julia build,
 * target and flags were seen before (and the entry passes its checks), else built once and
 * saved. Cache failures are warnings; the base is then built and the build goes on.
 */
export async function provideBaseArchive(
  spec: BaseArchiveSpec,
  cache: ImageCache | undefined,
  log: Logger
): Promise<BaseArchive> {
  const key = await baseKeyFor(spec)
  log.info(`base archive key: ${key}`)
  const store = cache && {
    cache,
    entriesDir: entriesDir(spec.env),
    what: 'base archive',
    onMiss: 'building it once',
    log
  }
  let saveKey = key
  if (store) {
    // restored into this build's own work folder: no other run touches it
    const restoredDir = path.join(spec.workDir, 'base-restored')
    const outcome = await restoreEntry(store, key, restoredDir, (dir) =>
      checkRestored(dir, key, spec)
    )
    if (outcome.value) return toBase(restoredDir, outcome.value, true)
    saveKey = outcome.saveKey
  }

  const builtDir = path.join(spec.workDir, 'base')
  const record = await buildBase(spec, key, builtDir, log)
  if (store) {
    await saveEntry(
      store,
      saveKey,
      [record.archive.file, record.image.file, baseRecordFile].map((name) => ({
        source: path.join(builtDir, name),
        name
      }))
    )
  }
  return toBase(builtDir, record, false)
}
