import { createHash } from 'node:crypto'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { treeFiles } from '../../src/key-inputs.js'
import type { ImageMetadata } from '../../src/metadata.js'
import { buildArgs, cliEntry, runCli, type BuildArgs, type CliRun } from './cli.js'
import { fixturesDir, fullImageMode, repoRoot, type TestJulia } from './test-julia.js'

/**
 * One fixture image per Julia, shared by every test file that asserts on it: an image build
 * re-emits all of Base (minutes on 2 cores), so building the same fixture once in each suite
 * that looks at it is what makes a test run slow. Test files run one after another in their own
 * processes; the first that asks builds, the others find the finished build on disk.
 *
 * A build is keyed like the tool's own cache keys what shapes an image: the Julia (executable and
 * version), the fixture's files, the CLI arguments, and the code under test (the bundled CLI and
 * the Julia scripts). Builds live under JULIA_SYSIMAGE_TEST_BUILDS (.ci/run gives each run a
 * fresh folder) or else `<tmp>/julia-sysimage-test-builds`, where a developer's second run of a
 * suite reuses them while nothing that shapes them has changed.
 *
 * A build is made in its final folder (layered images record absolute paths, so it is never
 * moved) and counts only once `done.json` is written, last; a folder without it is a build that
 * was interrupted and is made again. A failed build is returned but not kept.
 */
export interface FixtureBuildSpec {
  /** Short name, for the folder and messages: `shapes`. */
  name: string
  /** The fixture project; all its files are in the key. */
  project: string
  /** The build's arguments apart from `julia` and `output`, which the helper adds. */
  args: Omit<BuildArgs, 'julia' | 'output'>
  /** The image's file name in the build's output folder: `shapes.so`. */
  output: string
}

export interface FixtureBuild {
  /** The output folder: the image, its metadata, the launcher (and a layered image's layers). */
  out: string
  image: string
  /** The depot the build ran with; runs that want to see what the build precompiled use it. */
  depot: string
  /** The TMPDIR the build ran with (its work folders were made there and removed). */
  buildTemp: string
  /** The CLI's exit code and output. */
  run: CliRun
  wallMs: number
  /** The image's metadata (undefined when the build failed). */
  metadata?: ImageMetadata
}

/** What a finished build leaves in `done.json`. */
interface BuildRecord {
  run: CliRun
  wallMs: number
}

export function fixtureBuildsRoot(): string {
  return (
    process.env.JULIA_SYSIMAGE_TEST_BUILDS ?? path.join(os.tmpdir(), 'julia-sysimage-test-builds')
  )
}

/** The files below `dir` as the cache key walks them (no hidden folders), as full paths. */
async function filesBelow(dir: string): Promise<string[]> {
  return (await treeFiles(dir)).map((rel) => path.join(dir, rel))
}

/** The digest of everything that shapes a fixture build. */
async function buildKey(julia: TestJulia, spec: FixtureBuildSpec): Promise<string> {
  const hash = createHash('sha256')
  hash.update(JSON.stringify({ julia: [julia.executable, julia.version], spec }))
  const code = [cliEntry, ...(await filesBelow(path.join(repoRoot, 'julia')))]
  for (const file of [...code, ...(await filesBelow(spec.project))]) {
    hash.update(`\0${path.relative(repoRoot, file)}\0`)
    hash.update(await fs.readFile(file))
  }
  return hash.digest('hex').slice(0, 24)
}

function paths(dir: string, spec: FixtureBuildSpec) {
  const out = path.join(dir, 'out')
  return {
    out,
    image: path.join(out, spec.output),
    depot: path.join(dir, 'depot'),
    // a space in the name, so tests can look for it in the image like any other path
    buildTemp: path.join(dir, 'build temp'),
    done: path.join(dir, 'done.json')
  }
}

async function readBuild(dir: string, spec: FixtureBuildSpec, record: BuildRecord) {
  const p = paths(dir, spec)
  const metadata = existsSync(`${p.image}.json`)
    ? (JSON.parse(await fs.readFile(`${p.image}.json`, 'utf8')) as ImageMetadata)
    : undefined
  return { ...p, ...record, metadata }
}

/**
 * Waits while another process holds `lock` (a folder holding its pid); takes it over when that
 * process is gone. Returns once this process holds it.
 */
async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      await fs.mkdir(lock)
      await fs.writeFile(path.join(lock, 'pid'), String(process.pid))
      return
    } catch {
      const pid = Number(await fs.readFile(path.join(lock, 'pid'), 'utf8').catch(() => '0'))
      let alive = pid > 0
      try {
        if (alive) process.kill(pid, 0)
      } catch {
        alive = false
      }
      if (!alive) await fs.rm(lock, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, 2000))
    }
  }
}

/** The fixture built by the bundled CLI with `julia`: built now, or found from an earlier suite. */
export async function fixtureBuild(
  julia: TestJulia,
  spec: FixtureBuildSpec
): Promise<FixtureBuild> {
  const root = fixtureBuildsRoot()
  await fs.mkdir(root, { recursive: true })
  const dir = path.join(
    root,
    `${spec.name}-${julia.version ?? 'julia'}-${await buildKey(julia, spec)}`
  )
  const lock = `${dir}.lock`
  await acquire(lock)
  try {
    const p = paths(dir, spec)
    if (existsSync(p.done)) {
      return await readBuild(
        dir,
        spec,
        JSON.parse(await fs.readFile(p.done, 'utf8')) as BuildRecord
      )
    }
    await fs.rm(dir, { recursive: true, force: true })
    for (const folder of [p.out, p.depot, p.buildTemp]) await fs.mkdir(folder, { recursive: true })
    const started = Date.now()
    const run = await runCli(
      buildArgs({ ...spec.args, julia: julia.executable, output: p.image }),
      { ...julia.env(p.depot), TMPDIR: p.buildTemp },
      p.out
    )
    const record: BuildRecord = { run, wallMs: Date.now() - started }
    if (run.code === 0) await fs.writeFile(p.done, JSON.stringify(record))
    return await readBuild(dir, spec, record)
  } finally {
    await fs.rm(lock, { recursive: true, force: true })
  }
}

export const shapesProject = path.join(fixturesDir, 'shapes')

/**
 * The full image of `__tests__/fixtures/shapes` (three path packages, one depending on another;
 * three workloads, one printing many kinds of values behind the `PROGRAM_FILE` idiom and ending
 * in `exit(0)`; a hand-kept statement file with garbage in it), traced with stdout a pipe.
 * pipeline.test.ts and stdout-kinds.test.ts assert on the same build.
 */
export function shapesBuild(julia: TestJulia): Promise<FixtureBuild> {
  const file = (name: string) => path.join(shapesProject, name)
  return fixtureBuild(julia, {
    name: 'shapes',
    project: shapesProject,
    output: 'shapes.so',
    args: {
      project: shapesProject,
      workloads: ['workload_tables.jl', 'workload_scaling.jl', 'workload_streams.jl'].map(file),
      statements: [file('extra_statements.jl')],
      mode: fullImageMode(julia),
      cache: false,
      extra: ['--cpu-target', 'native']
    }
  })
}

export const helloProject = path.join(repoRoot, 'examples', 'hello')

/**
 * The README's example, `examples/hello`, built by `auto` (layered on Julia ≥ 1.9: `Hello` is a
 * path package) into a local cache of the build's own (`<out>/cache`). Its dependency image (Base
 * and the stdlibs Hello uses) is keyed by what it holds, not by where the project is, so the
 * suites that test the front ends (CLI, action, faults, concurrent builds) start from it (see
 * `seedDependencyImage`) and build only the own and workload layers, seconds instead of minutes.
 * Its own log is that of a cold build: the stages that make the dependency image are in it.
 */
export function helloBuild(julia: TestJulia): Promise<FixtureBuild> {
  return fixtureBuild(julia, {
    name: 'hello',
    project: helloProject,
    output: 'hello.so',
    // relative: the build runs in its output folder, and the key must not hold the folder's path
    args: {
      project: helloProject,
      workloads: [path.join(helloProject, 'workload.jl')],
      cache: 'cache'
    }
  })
}

/** Pure: the dependency image key a layered build logged (`dependency image key: …`). */
export function loggedDependencyKey(stderr: string): string | undefined {
  return /^\s*dependency image key: (\S+)$/m.exec(stderr)?.[1]
}

/** The dependency image of `helloBuild`: its cache key, and its entry folder in the build's cache. */
export async function helloDependencyImage(
  julia: TestJulia
): Promise<{ key: string; entry: string }> {
  const build = await helloBuild(julia)
  const key = loggedDependencyKey(build.run.stderr)
  if (build.run.code !== 0 || !key)
    throw new Error(`the examples/hello build with ${julia.label} failed:\n${build.run.stderr}`)
  return { key, entry: path.join(build.out, 'cache', key) }
}

/**
 * Puts the dependency image of `helloBuild` into the local cache folder `cacheDir`, as an earlier
 * run would have left it. Returns its key.
 */
export async function seedDependencyImage(julia: TestJulia, cacheDir: string): Promise<string> {
  const { key, entry } = await helloDependencyImage(julia)
  await fs.cp(entry, path.join(cacheDir, key), { recursive: true })
  return key
}
