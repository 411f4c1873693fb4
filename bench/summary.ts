/**
 * Pure parts of the benchmark: the figures of one run, medians and ranges over runs, failures,
 * and the Markdown tables. Nothing here spawns, reads files or looks at the clock.
 */

import { formatBytes } from '../src/util/memory.js'

/** The fields of `<image>.json` the benchmark reads; all optional, as it is read from disk. */
export interface BenchMetadata {
  mode?: string
  timings?: Record<string, number>
  object?: { size?: number; peakMemory?: number }
  image?: { size?: number; sha256?: string }
  statements?: { traced?: number; used?: number }
  measurement?: {
    without?: { loadMs?: number; workMs?: number }
    with?: { loadMs?: number; workMs?: number }
    speedup?: number
    residual?: number
  }
  /** Wall time spent inside Julia child processes during the build (newer CLIs only). */
  juliaProcessMs?: number
  createdAt?: string
}

export interface ProcessRun {
  exitCode: number | null
  wallMs: number
  /** The last lines of the CLI's stderr, kept when something went wrong. */
  stderrTail?: string
}

export interface WarmRun extends ProcessRun {
  /** The CLI logged that it restored the image from the cache instead of building. */
  cacheHit: boolean
  /** The restored image has the sha256 the cold build recorded. */
  sameImage: boolean
}

export interface RunRecord {
  project: string
  run: number
  cold: ProcessRun
  warm?: WarmRun
  /** The metadata the cold build wrote next to its image. */
  metadata?: BenchMetadata
}

export type Unit = 'ms' | 'bytes' | 'count' | 'percent' | 'ratio'

export interface Figure {
  key: string
  label: string
  unit: Unit
}

/** Fixed figures after the per-stage rows, in table order. */
export const figures: Figure[] = [
  { key: 'coldWall', label: 'total cold wall', unit: 'ms' },
  { key: 'warmWall', label: 'warm wall (cache hit)', unit: 'ms' },
  { key: 'warmPercent', label: 'warm / cold', unit: 'percent' },
  { key: 'overhead', label: 'overhead outside Julia', unit: 'ms' },
  { key: 'overheadPercent', label: 'overhead / cold', unit: 'percent' },
  { key: 'peakMemory', label: 'object build peak memory', unit: 'bytes' },
  { key: 'objectSize', label: 'object size', unit: 'bytes' },
  { key: 'imageSize', label: 'image size', unit: 'bytes' },
  { key: 'traced', label: 'statements traced', unit: 'count' },
  { key: 'used', label: 'statements used', unit: 'count' },
  { key: 'residual', label: 'residual (compiled with image)', unit: 'count' },
  { key: 'residualPercent', label: 'residual / used', unit: 'percent' },
  { key: 'loadWithout', label: 'load without image', unit: 'ms' },
  { key: 'workWithout', label: 'first work without image', unit: 'ms' },
  { key: 'loadWith', label: 'load with image', unit: 'ms' },
  { key: 'workWith', label: 'first work with image', unit: 'ms' },
  { key: 'speedup', label: 'without / with (load + work)', unit: 'ratio' }
]

const stagePrefix = 'stage:'

const percentOf = (part: number | undefined, whole: number | undefined) =>
  part === undefined || whole === undefined || whole === 0 ? undefined : (100 * part) / whole

/**
 * Pure: every figure of one run, by key (`stage:<name>` for the stage timings). Ratios are taken
 * per run, so their medians are medians of ratios, not ratios of medians.
 */
export function figuresOf(run: RunRecord): Record<string, number | undefined> {
  const m = run.metadata ?? {}
  const out: Record<string, number | undefined> = {}
  for (const [stage, ms] of Object.entries(m.timings ?? {})) out[`${stagePrefix}${stage}`] = ms
  const built = run.cold.exitCode === 0
  const coldWall = built ? run.cold.wallMs : undefined
  const warmWall = run.warm?.exitCode === 0 && run.warm.cacheHit ? run.warm.wallMs : undefined
  const overhead =
    coldWall !== undefined && m.juliaProcessMs !== undefined
      ? coldWall - m.juliaProcessMs
      : undefined
  const w = m.measurement
  const without = w?.without && (w.without.loadMs ?? 0) + (w.without.workMs ?? 0)
  const withImage = w?.with && (w.with.loadMs ?? 0) + (w.with.workMs ?? 0)
  Object.assign(out, {
    coldWall,
    warmWall,
    warmPercent: percentOf(warmWall, coldWall),
    overhead,
    overheadPercent: percentOf(overhead, coldWall),
    peakMemory: m.object?.peakMemory,
    objectSize: m.object?.size,
    imageSize: m.image?.size,
    traced: m.statements?.traced,
    used: m.statements?.used,
    residual: w?.residual,
    residualPercent: percentOf(w?.residual, m.statements?.used),
    loadWithout: w?.without?.loadMs,
    workWithout: w?.without?.workMs,
    loadWith: w?.with?.loadMs,
    workWith: w?.with?.workMs,
    speedup:
      w?.speedup ??
      (without !== undefined && withImage ? without / Math.max(1, withImage) : undefined)
  })
  return out
}

/** Pure: what went wrong in a run, one line each; empty when the run counts. */
export function failuresOf(run: RunRecord): string[] {
  const failures: string[] = []
  const where = `${run.project} run ${run.run}`
  if (run.cold.exitCode !== 0) {
    failures.push(`${where}: the cold build failed (exit code ${run.cold.exitCode})`)
    return failures
  }
  if (!run.metadata) failures.push(`${where}: the cold build wrote no metadata next to its image`)
  if (!run.warm) {
    failures.push(`${where}: no warm run`)
  } else if (run.warm.exitCode !== 0) {
    failures.push(`${where}: the warm run failed (exit code ${run.warm.exitCode})`)
  } else if (!run.warm.cacheHit) {
    failures.push(`${where}: the warm run rebuilt the image instead of restoring it (cache miss)`)
  } else if (!run.warm.sameImage) {
    failures.push(`${where}: the warm run restored an image other than the one the cold run built`)
  }
  return failures
}

/** Pure: the median; the mean of the two middle values for an even count. */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export interface Spread {
  median: number
  min: number
  max: number
  /** How many runs had this figure. */
  n: number
}

/** Pure: median and range of the values that exist; undefined when none does. */
export function spread(values: (number | undefined)[]): Spread | undefined {
  const present = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
  if (present.length === 0) return undefined
  return {
    median: median(present),
    min: Math.min(...present),
    max: Math.max(...present),
    n: present.length
  }
}

export interface ProjectSummary {
  project: string
  runs: number
  /** The build modes the runs' metadata recorded (`full`, `chained`). */
  modes: string[]
  stages: string[]
  figures: Record<string, Spread | undefined>
  failures: string[]
}

/** Pure: medians and ranges of every figure over the runs of one project, and their failures. */
export function summarize(project: string, runs: RunRecord[]): ProjectSummary {
  const perRun = runs.map(figuresOf)
  const stages: string[] = []
  // stages in pipeline order: the metadata records them in the order they ran
  for (const run of runs) {
    for (const stage of Object.keys(run.metadata?.timings ?? {})) {
      if (!stages.includes(stage)) stages.push(stage)
    }
  }
  const keys = [...stages.map((s) => `${stagePrefix}${s}`), ...figures.map((f) => f.key)]
  const modes = [...new Set(runs.flatMap((r) => (r.metadata?.mode ? [r.metadata.mode] : [])))]
  return {
    project,
    runs: runs.length,
    modes,
    stages,
    figures: Object.fromEntries(keys.map((key) => [key, spread(perRun.map((f) => f[key]))])),
    failures: runs.flatMap(failuresOf)
  }
}

/** Pure: milliseconds as `850 ms` or `12.3 s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}

/** Pure: bytes in binary units, `174.3 MB`, as the CLI's log prints them. */
export const formatSize = formatBytes

/** Pure: a percentage with one decimal, `12.5 %`. */
export function formatPercent(percent: number): string {
  return `${percent.toFixed(1)} %`
}

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return formatMs(value)
    case 'bytes':
      return formatSize(value)
    case 'percent':
      return formatPercent(value)
    case 'ratio':
      return `${value.toFixed(1)}×`
    case 'count':
      return String(Math.round(value))
  }
}

function range(s: Spread, unit: Unit): string {
  const [lo, hi] = [formatValue(s.min, unit), formatValue(s.max, unit)]
  return lo === hi ? lo : `${lo} – ${hi}`
}

export interface TableContext {
  cpuTarget: string
}

/** Pure: the Markdown table of one project's summary, with its failures below it. */
export function formatTable(summary: ProjectSummary, context: TableContext): string {
  const runs = `${summary.runs} run${summary.runs === 1 ? '' : 's'}`
  const mode = summary.modes.length > 0 ? `, mode ${summary.modes.join('/')}` : ''
  const rows = [
    ...summary.stages.map((stage): Figure => ({
      key: `${stagePrefix}${stage}`,
      label: `stage: ${stage}`,
      unit: 'ms'
    })),
    ...figures
  ]
  const lines = [
    `### ${summary.project} (${runs}, cpu-target ${context.cpuTarget}${mode})`,
    '',
    '| figure | median | min – max |',
    '| --- | ---: | ---: |'
  ]
  for (const figure of rows) {
    const s = summary.figures[figure.key]
    lines.push(
      s
        ? `| ${figure.label} | ${formatValue(s.median, figure.unit)} | ${range(s, figure.unit)} |`
        : `| ${figure.label} | n/a | n/a |`
    )
  }
  if (summary.failures.length > 0) {
    lines.push('', `**FAILED** (${summary.failures.length}):`, '')
    for (const failure of summary.failures) lines.push(`- ${failure}`)
  }
  return lines.join('\n')
}
