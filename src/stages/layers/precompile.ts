import { promises as fs } from 'node:fs'
import { UserError } from '../../errors.js'
import { layersCommand, type LayersBuild } from '../../julia/commands.js'
import { juliaExitDetail } from '../../julia/failure.js'
import { parseKeyValue, parseKeyValueRows } from '../../julia/keyvalue.js'
import type { JuliaInfo } from '../../julia/probe.js'
import { runJulia } from '../../julia/process.js'
import { packagesFileText, type PackageRef } from '../project/index.js'
import type { OwnExtension } from './split.js'

/** One package of a layer: whether Julia found its image valid or built it, and where it is. */
export interface PackageImage {
  name: string
  status: 'precompiled' | 'built'
  seconds: number
  cacheFile: string
}

/** Pure: the report `julia/layers.jl` writes. */
export function parseLayersReport(text: string): { images: PackageImage[]; failed?: string } {
  const rows = parseKeyValueRows(text)
  const images = rows
    .filter((row) => row[0] === 'package')
    .map((row) => ({
      name: row[1],
      status: row[2] === 'built' ? ('built' as const) : ('precompiled' as const),
      seconds: Number(row[3]),
      cacheFile: row[4] ?? ''
    }))
  return { images, failed: rows.find((row) => row[0] === 'failed')?.[1] }
}

/**
 * Pure: the extension lines of `julia/layers.jl`'s package list, after the packages:
 * "extension <parent uuid> <parent name> <name> <trigger uuid> <trigger name>...".
 */
export function extensionsText(extensions: OwnExtension[]): string {
  return extensions
    .map((e) =>
      ['extension', e.parent.uuid, e.parent.name, e.name]
        .concat(e.triggers.flatMap((t) => [t.uuid, t.name]))
        .join(' ')
    )
    .map((line) => `${line}\n`)
    .join('')
}

/** Replay counts of the workload package's precompilation. */
export interface WorkloadReplay {
  statements: number
  used: number
  unresolvable: number
  failed: number
  unparsable: number
}

export function parseWorkloadReplay(text: string): WorkloadReplay {
  const values = parseKeyValue(text)
  const n = (key: string) => Number(values.get(key) ?? 0)
  return {
    statements: n('statements'),
    used: n('used'),
    unresolvable: n('unresolvable'),
    failed: n('failed'),
    unparsable: n('unparsable')
  }
}

/**
 * Loads `packages` on the dependency image, dependencies first: Julia checks each package image
 * and precompiles those it finds stale into the layer's depot. A package that fails to
 * precompile is one error that names it; Julia's own message is in its detail.
 */
export async function precompileLayer(
  julia: JuliaInfo,
  spec: Omit<LayersBuild, 'packagesFile'> & {
    packages: PackageRef[]
    extensions?: OwnExtension[]
    packagesFile: string
  },
  env: NodeJS.ProcessEnv,
  what: string
): Promise<PackageImage[]> {
  await fs.writeFile(
    spec.packagesFile,
    packagesFileText(spec.packages) + extensionsText(spec.extensions ?? [])
  )
  await fs.rm(spec.reportFile, { force: true })
  const result = await runJulia(julia, layersCommand(spec), env)
  const report = parseLayersReport(await fs.readFile(spec.reportFile, 'utf8').catch(() => ''))
  if (report.failed !== undefined) {
    throw new UserError(
      'project',
      `${report.failed} (${what}) failed to precompile on the dependency image ${juliaExitDetail(result, julia)}`,
      `Fix the error above in ${report.failed}; \`julia --project=${spec.projectDir} -e 'using ${report.failed}'\` shows it too`
    )
  }
  if (result.code !== 0) {
    throw new UserError(
      'project',
      `precompiling the ${what} on the dependency image failed ${juliaExitDetail(result, julia)}`,
      'Rebuild with --keep-work and report the log'
    )
  }
  return report.images
}
