import { promises as fs } from 'node:fs'
import path from 'node:path'
import { juliaScript } from '../../julia/scripts.js'
import type { PackageRef } from '../project/index.js'

/**
 * One generation of layers (`sysimage.layers/build-N/`, see generations.ts), whole on its own:
 *
 *   layers.txt   the configuration of the hook in the image (julia/layer_hook.jl): trigger
 *                packages and the workload package
 *   depot/       a depot: `compiled/` holds the package images of the own packages and of the
 *                workload package, `dev/JuliaSysimageWorkload/` the workload package's source
 *                (inside a depot, so that Julia ≥ 1.11 records its paths relative to it)
 *   env/         an environment with the workload package, stacked after the user's
 */
export interface LayerFolder {
  root: string
  depot: string
  env: string
  config: string
  workloadSource: string
}

/** The generated workload package: one fixed identity, so a stale one is replaced, never duplicated. */
export const workloadPackage: PackageRef = {
  name: 'JuliaSysimageWorkload',
  uuid: '5d3c6a52-0f6e-4b8e-9c51-2f1a7e9b0c11'
}

export function layerFolder(root: string): LayerFolder {
  const depot = path.join(root, 'depot')
  return {
    root,
    depot,
    env: path.join(root, 'env'),
    config: path.join(root, 'layers.txt'),
    workloadSource: path.join(depot, 'dev', workloadPackage.name)
  }
}

/** Pure: the folders (relative to the layer folder) that hold the package images of `names`. */
export function compiledFolders(juliaMinor: string, names: string[]): string[] {
  return names.map((name) => path.join('depot', 'compiled', `v${juliaMinor}`, name))
}

/** The workload package's files (relative to the layer folder), for its cache entry. */
export const workloadFiles = ['layers.txt', 'env', path.join('depot', 'dev', workloadPackage.name)]

/** Pure: the hook's configuration: "key<TAB>uuid<TAB>name" lines. */
export function hookConfigText(triggers: PackageRef[], workload: boolean): string {
  const rows = triggers.map((p) => `trigger\t${p.uuid}\t${p.name}\n`)
  if (workload) rows.push(`workload\t${workloadPackage.uuid}\t${workloadPackage.name}\n`)
  return rows.join('')
}

/** Writes the hook's configuration into the folder. */
export async function writeHookConfig(
  folder: LayerFolder,
  triggers: PackageRef[],
  workload: boolean
): Promise<void> {
  await fs.mkdir(folder.root, { recursive: true })
  await fs.writeFile(folder.config, hookConfigText(triggers, workload))
}

const tomlString = (text: string) => JSON.stringify(text) // TOML basic strings escape as JSON does

/** Pure: a `[deps]` table of packages. */
function depsTable(heading: string, deps: PackageRef[]): string {
  return `${heading}\n${deps.map((p) => `${tomlString(p.name)} = ${tomlString(p.uuid)}\n`).join('')}`
}

/** Pure: the workload package's Project.toml. */
export function workloadProjectText(deps: PackageRef[]): string {
  return `name = "${workloadPackage.name}"\nuuid = "${workloadPackage.uuid}"\nversion = "0.0.0"\n\n${depsTable('[deps]', deps)}`
}

/**
 * Pure: the environment that makes the workload package loadable, stacked after the user's: its
 * manifest maps the package's dependencies to uuids, which Julia then finds in the user's
 * environment (base/loading.jl `explicit_manifest_deps_get`, `locate_package`).
 */
export function workloadEnvironment(deps: PackageRef[]): { project: string; manifest: string } {
  const name = workloadPackage.name
  return {
    project: `[deps]\n${name} = "${workloadPackage.uuid}"\n`,
    manifest:
      `manifest_format = "2.0"\n\n[[deps.${name}]]\npath = "../depot/dev/${name}"\nuuid = "${workloadPackage.uuid}"\nversion = "0.0.0"\n\n` +
      `    [deps.${name}.deps]\n` +
      deps.map((p) => `    ${tomlString(p.name)} = ${tomlString(p.uuid)}\n`).join('')
  }
}

/**
 * Pure: `statements.jl` of the workload package: each statement hex-encoded (a traced statement
 * is text from the user's code: encoded, none of it can become source code).
 */
export function statementsSourceText(statements: string[]): string {
  const hex = statements.map((s) => `    "${Buffer.from(s, 'utf8').toString('hex')}",\n`)
  return `# Written by julia-sysimage: the statements this package's precompilation replays.\nconst STATEMENTS_HEX = String[\n${hex.join('')}]\n`
}

/** Writes the workload package and its environment into the folder. */
export async function writeWorkloadPackage(
  folder: LayerFolder,
  deps: PackageRef[],
  statements: string[]
): Promise<void> {
  const src = path.join(folder.workloadSource, 'src')
  await fs.rm(folder.workloadSource, { recursive: true, force: true })
  await fs.mkdir(src, { recursive: true })
  await fs.writeFile(path.join(folder.workloadSource, 'Project.toml'), workloadProjectText(deps))
  await fs.copyFile(juliaScript('workload_package'), path.join(src, `${workloadPackage.name}.jl`))
  await fs.copyFile(juliaScript('replay'), path.join(src, 'replay.jl'))
  await fs.writeFile(path.join(src, 'statements.jl'), statementsSourceText(statements))
  const env = workloadEnvironment(deps)
  await fs.mkdir(folder.env, { recursive: true })
  await fs.writeFile(path.join(folder.env, 'Project.toml'), env.project)
  await fs.writeFile(path.join(folder.env, 'Manifest.toml'), env.manifest)
}
