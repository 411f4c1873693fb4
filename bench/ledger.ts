import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import {
  layeredRegistryPackages,
  writeLayeredProject,
  writeLocalRegistry,
  type LayeredProject
} from '../__tests__/helpers/local-registry.js'
import { runEnv } from './environment.js'
import { juliaVersionLine } from './script.js'

/**
 * The Ledger project of the layered benches (a package over registry packages of a few thousand
 * lines, served from a local registry in a fresh depot: works offline), for `--julia PATH`, with
 * the results file `--json FILE`.
 */
export async function ledgerBench(name: string): Promise<{
  julia: string
  version: string
  root: string
  env: NodeJS.ProcessEnv
  depot: string
  project: LayeredProject
  jsonFile?: string
}> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { julia: { type: 'string' }, json: { type: 'string' } },
    strict: true
  })
  const julia = path.resolve(values.julia ?? 'julia')
  const root = await fs.mkdtemp(path.join(os.tmpdir(), `jsi-bench-${name}-`))
  const version = await juliaVersionLine(julia)
  const env = runEnv(root, process.env, { julia, offline: true }, version)
  const depot = (env.JULIA_DEPOT_PATH ?? '').split(path.delimiter)[0]
  await writeLocalRegistry(depot, path.join(root, 'repos'), layeredRegistryPackages())
  const project = await writeLayeredProject(julia, env, root, { tableKitVersion: '1.0.0' })
  return { julia, version, root, env, depot, project, jsonFile: values.json }
}

/** The CLI's arguments for an image of the Ledger project. */
export function ledgerBuildArgs(
  julia: string,
  project: LayeredProject,
  output: string,
  mode: string,
  extra: string[] = []
): string[] {
  return [
    'build',
    '--julia',
    julia,
    '--project',
    project.dir,
    '--workload',
    project.workload,
    '--output',
    output,
    '--mode',
    mode,
    ...extra
  ]
}
