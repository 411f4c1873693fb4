import { spawn } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { BenchProject } from './projects.js'
import { runEnv, type JuliaChoice } from './environment.js'
import type { BenchMetadata, RunRecord } from './summary.js'

export interface CliResult {
  exitCode: number | null
  /** From just before the spawn to the child's exit, as a user timing the command would see. */
  wallMs: number
  stdout: string
  stderr: string
}

/** The line the CLI logs when it restored the image instead of building it. */
export const cacheHitLine = 'cache hit: restored, not rebuilt'

/** Stage starts, ends, warnings and errors: enough to follow a build without its whole log. */
const progressLine = /^(▸|✓|✗|\s*warning:|error:|internal error:)/

/** Runs the bundled CLI as a user would, forwarding its progress lines to our stderr. */
export function runCli(
  cliEntry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  label: string
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [cliEntry, ...args], {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    let pending = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString()
      stderr += text
      const lines = (pending + text).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        if (progressLine.test(line)) process.stderr.write(`    ${label} ${line.trim()}\n`)
      }
    })
    child.on('error', reject)
    child.on('close', (exitCode) =>
      resolve({ exitCode, wallMs: performance.now() - started, stdout, stderr })
    )
  })
}

const tail = (text: string, lines = 15) => text.trimEnd().split('\n').slice(-lines).join('\n')

async function readMetadata(image: string): Promise<BenchMetadata | undefined> {
  try {
    return JSON.parse(await fs.readFile(`${image}.json`, 'utf8')) as BenchMetadata
  } catch {
    return undefined
  }
}

export interface RunSpec {
  cliEntry: string
  project: BenchProject
  run: number
  cpuTarget: string
  /** An empty folder of this run's own: depot, caches, output. */
  root: string
  choice: JuliaChoice
  /** What `julia --version` printed (see runEnv). */
  versionLine: string
}

/**
 * One benchmark run: a cold build in a fresh depot and cache folder, then the same command again,
 * which must restore the image from that cache. Failures are recorded, not thrown, so the other
 * runs still count and the report shows what failed.
 */
export async function benchRun(spec: RunSpec): Promise<RunRecord> {
  const { project, root } = spec
  const env = runEnv(root, process.env, spec.choice, spec.versionLine)
  const image = path.join(root, 'out', 'sysimage.so')
  await fs.mkdir(path.dirname(image), { recursive: true })
  const args = [
    'build',
    '--project',
    project.dir,
    '--workload',
    project.workload,
    '--output',
    image,
    '--cpu-target',
    spec.cpuTarget,
    '--cache-dir',
    path.join(root, 'image-cache'),
    ...(spec.choice.julia ? ['--julia', spec.choice.julia] : [])
  ]
  const label = `[${project.name} ${spec.run}]`
  const record: RunRecord = {
    project: project.name,
    run: spec.run,
    cold: { exitCode: null, wallMs: 0 }
  }

  process.stderr.write(`  ${label} cold build (fresh depot ${env.JULIA_DEPOT_PATH})\n`)
  const cold = await runCli(spec.cliEntry, args, env, root, label)
  record.cold = { exitCode: cold.exitCode, wallMs: cold.wallMs }
  if (cold.exitCode !== 0) {
    record.cold.stderrTail = tail(cold.stderr)
    return record
  }
  record.metadata = await readMetadata(image)

  process.stderr.write(`  ${label} warm run (same inputs, same cache)\n`)
  const warm = await runCli(spec.cliEntry, args, env, root, label)
  const restored = await readMetadata(image)
  const cacheHit = warm.stderr.split('\n').some((line) => line.trim() === cacheHitLine)
  record.warm = {
    exitCode: warm.exitCode,
    wallMs: warm.wallMs,
    cacheHit,
    sameImage:
      restored?.image?.sha256 !== undefined &&
      restored.image.sha256 === record.metadata?.image?.sha256
  }
  if (warm.exitCode !== 0 || !cacheHit) record.warm.stderrTail = tail(warm.stderr)
  return record
}
