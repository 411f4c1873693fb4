import type { ImageMetadata } from './metadata.js'
import { formatBytes } from './util/memory.js'

/** A table as the job summary shows it: the first row is the header. */
export interface Table {
  caption: string
  rows: string[][]
}

export interface RunFacts {
  metadata: ImageMetadata
  cacheHit: boolean
  cacheKey: string
  /** This run's stage times (on a hit only install, probe, restore ran). */
  timings: Record<string, number>
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** Pure: the job summary's tables (before/after, stages, image facts). */
export function summaryTables(facts: RunFacts): Table[] {
  const { metadata: m } = facts
  const tables: Table[] = []
  if (m.measurement) {
    const { without, with: withImage, speedup } = m.measurement
    tables.push({
      caption: 'Time to first X',
      rows: [
        ['', 'load', 'first work', 'total'],
        [
          'without image',
          seconds(without.loadMs),
          seconds(without.workMs),
          seconds(without.loadMs + without.workMs)
        ],
        [
          'with image',
          seconds(withImage.loadMs),
          seconds(withImage.workMs),
          seconds(withImage.loadMs + withImage.workMs)
        ],
        ['speed-up', '', '', `${speedup}×`]
      ]
    })
  }
  if (m.layers) tables.push(layersTable(m))
  tables.push({
    caption: facts.cacheHit ? 'This run (restored from the cache)' : 'Build time per stage',
    rows: [
      ['stage', 'time'],
      ...Object.entries(facts.timings).map(([stage, ms]) => [stage, seconds(ms)])
    ]
  })
  const s = m.statements
  tables.push({
    caption: 'Image',
    rows: [
      ['', ''],
      ['cache', facts.cacheHit ? `hit (${facts.cacheKey})` : `miss (${facts.cacheKey})`],
      ['image size', formatBytes(m.image.size)],
      ['Julia', `${m.julia.version} (${m.julia.os}, ${m.julia.arch})`],
      ['cpu target', m.cpuTarget],
      [
        'mode',
        m.mode === 'chained' && m.base
          ? `chained on base ${m.base.key} (image sha256 ${m.base.imageSha256.slice(0, 12)}…)`
          : m.mode
      ],
      ['packages in image', m.project.packagesInImage.join(', ') || '(none)'],
      ...(m.project.heldForLaterSteps
        ? [['held for later steps', m.project.heldForLaterSteps.join(', ')] as [string, string]]
        : []),
      ['statements used', `${s.used} of ${s.unique} distinct (${s.traced} traced)`],
      [
        'statements skipped',
        `${s.skipped.main} bound to Main, ${s.skipped.malformed} malformed, ${s.skipped.unresolvable} unresolvable, ${s.skipped.failed} failed`
      ],
      [
        'statements added for other stdout kinds',
        // metadata written before these were counted has no `variants`
        s.variants
          ? `${s.variants.used} of ${s.variants.added} used (file, terminal, pipe, devnull and their IOContexts)`
          : 'not recorded'
      ],
      ['compiled at run time with the image', residualText(m)]
    ]
  })
  return tables
}

/** Pure: a layered image's layers as this run got them. */
export function layersTable(m: ImageMetadata): Table {
  const l = m.layers!
  const firstWork = m.measurement ? seconds(m.measurement.with.workMs) : 'not measured'
  return {
    caption: `Layers (first work with all three: ${firstWork})`,
    rows: [
      ['layer', 'this run', 'time', 'size', 'holds'],
      [
        'dependency image',
        l.dependencies.status,
        seconds(l.dependencies.ms),
        formatBytes(l.dependencies.size),
        `${l.dependencies.packages.join(', ') || 'Base and stdlibs'}; ${l.dependencies.statementsUsed} statements`
      ],
      [
        'own package images',
        l.own.status,
        seconds(l.own.ms),
        formatBytes(l.own.size),
        l.own.packages.map((p) => `${p.name} (${p.status})`).join(', ') || '(none)'
      ],
      [
        'workload package',
        l.workload.status,
        seconds(l.workload.ms),
        formatBytes(l.workload.size),
        `${l.workload.used ?? l.workload.statements} of ${l.workload.statements} statements`
      ]
    ]
  }
}

/** Pure: the residual, per stdout kind when measured so (`3 (stdout a pipe: 0, a file: 3, …)`). */
export function residualText(m: ImageMetadata): string {
  if (!m.measurement) return 'not measured'
  const by = m.measurement.residualByStdout
  const total = String(m.measurement.residual)
  const terminal = by?.terminal === undefined ? '' : `, a terminal: ${by.terminal}`
  return by ? `${total} (stdout a pipe: ${by.pipe}, a file: ${by.file}${terminal})` : total
}

/** Pure: one line about skipped statements, for a single annotation (not one per statement). */
export function skippedStatementsNote(m: ImageMetadata): string | undefined {
  const k = m.statements.skipped
  const total = k.main + k.malformed + k.unresolvable + k.failed
  if (total === 0) return undefined
  return (
    `${total} of the recorded statements could not go into the image: ${k.main} bound to the workload's own ` +
    `Main definitions (no image can hold those), ${k.malformed} malformed, ${k.unresolvable} naming something ` +
    `not loaded, ${k.failed} failed to compile`
  )
}

/** Pure: the default artifact name, `sysimage-<os>-<arch>-julia-<version>`. */
export function defaultArtifactName(m: ImageMetadata): string {
  return `sysimage-${m.julia.os}-${m.julia.arch}-julia-${m.julia.version}`
}
