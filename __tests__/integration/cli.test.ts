import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ImageMetadata } from '../../src/metadata.js'
import { buildArgs, runCli, type CliRun } from '../helpers/cli.js'
import {
  fixturesDir,
  juliaMissingReason,
  juliaTestEnv,
  newDepot,
  repoRoot
} from '../helpers/test-julia.js'

const skip = juliaMissingReason()
const example = path.join(repoRoot, 'examples', 'hello')

describe('julia-sysimage build (bundled CLI) on examples/hello', { skip }, () => {
  let dir: string
  let depot: string
  let run: CliRun
  let cacheDir: string
  /** The arguments that build the example into `output`, with this suite's cache. */
  const helloArgs = (output: string) =>
    buildArgs({
      cache: cacheDir,
      project: example,
      workloads: [path.join(example, 'workload.jl')],
      output
    })
  /** The example built by the bundled CLI into `output`, with this suite's cache. */
  const buildHello = (output: string) => runCli(helloArgs(output), juliaTestEnv(depot), dir)

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-cli-'))
    depot = newDepot()
    cacheDir = path.join(dir, 'cache')
    run = await buildHello('hello.so')
  })
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true })
    await fs.rm(depot, { recursive: true, force: true })
  })

  it('exits 0 and prints only the image path on stdout', () => {
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stdout, `${path.join(dir, 'hello.so')}\n`)
  })

  it('writes a launcher beside the image that still works after both are moved', async () => {
    assert.match(run.stderr, /launcher: .*hello\.sh starts Julia 1\.5\.3 with the image/)
    const moved = path.join(dir, 'moved here')
    await fs.mkdir(moved)
    for (const file of ['hello.so', 'hello.sh']) {
      await fs.copyFile(path.join(dir, file), path.join(moved, file))
    }
    await fs.chmod(path.join(moved, 'hello.sh'), 0o755)
    const started = spawnSync(
      path.join(moved, 'hello.sh'),
      [
        `--project=${example}`,
        '-e',
        'print(Base.JLOptions().image_file |> unsafe_string, " ", any(m -> nameof(m) == :Hello, values(Base.loaded_modules)))'
      ],
      { encoding: 'utf8', env: juliaTestEnv(depot) }
    )
    assert.equal(started.status, 0, started.stderr)
    assert.equal(started.stdout, `${path.join(moved, 'hello.so')} true`)
  })

  it('prints one progress line per stage with its time', () => {
    for (const stage of [
      'install',
      'probe',
      'instantiate',
      'precompile',
      'trace',
      'object',
      'link',
      'verify'
    ]) {
      assert.match(run.stderr, new RegExp(`^✓ ${stage} \\d+\\.\\d s$`, 'm'))
    }
  })

  it('the image works: the example runs with it and barely compiles anything', async () => {
    const metadata = JSON.parse(
      await fs.readFile(path.join(dir, 'hello.so.json'), 'utf8')
    ) as ImageMetadata
    assert.deepEqual(metadata.project.packagesInImage, ['Hello'])
    assert.ok(metadata.measurement)
    assert.ok(
      metadata.measurement.residual <= Math.max(1, Math.floor(metadata.statements.used / 100))
    )
    assert.ok(metadata.measurement.with.workMs < metadata.measurement.without.workMs)
  })

  it('a second identical run restores the image from the local cache instead of building', async () => {
    const first = JSON.parse(
      await fs.readFile(path.join(dir, 'hello.so.json'), 'utf8')
    ) as ImageMetadata
    const started = Date.now()
    const again = await buildHello('again.so')
    const elapsed = Date.now() - started
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stderr, /cache hit: restored, not rebuilt/)
    assert.doesNotMatch(again.stderr, /▸ object/)
    const restored = JSON.parse(
      await fs.readFile(path.join(dir, 'again.so.json'), 'utf8')
    ) as ImageMetadata
    assert.equal(restored.image.sha256, first.image.sha256)
    assert.deepEqual(restored.juliaArgs, [`--sysimage=${path.join(dir, 'again.so')}`])
    assert.ok(
      elapsed < first.timings.object / 2,
      `restore took ${elapsed} ms, the object build alone ${first.timings.object} ms`
    )
  })

  it('a corrupted cache entry is thrown away and the image rebuilt', async () => {
    const [entry] = await fs.readdir(cacheDir)
    const image = path.join(cacheDir, entry, 'image')
    const handle = await fs.open(image, 'r+')
    await handle.write(Buffer.from('corrupt'), 0, 7, 4096)
    await handle.close()
    // What matters is the decision after the lookup: the entry is refused and a build starts.
    // The build itself is the first test's; to spend no second image build, the trace is given
    // a timeout no workload meets, so the run stops right after that decision.
    const rebuilt = await runCli(
      [...helloArgs('rebuilt.so'), '--workload-timeout', '0.0001'],
      juliaTestEnv(depot),
      dir
    )
    assert.match(
      rebuilt.stderr,
      /warning: the cached image was thrown away and will be rebuilt: the image's sha256 [0-9a-f]{64} is not the/
    )
    assert.match(rebuilt.stderr, /▸ trace/)
    assert.notEqual(rebuilt.code, 0, 'stopped by the workload timeout, as arranged')
    assert.deepEqual(await fs.readdir(cacheDir), [], 'the corrupted entry is gone')
  })
})

describe('julia-sysimage build: bad input gives one clear message and no image', { skip }, () => {
  let dir: string
  let depot: string
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-bad-'))
    depot = newDepot()
  })
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true })
    await fs.rm(depot, { recursive: true, force: true })
  })

  async function expectFailure(
    args: string[],
    pattern: RegExp,
    env = juliaTestEnv(depot)
  ): Promise<void> {
    const result = await runCli(['build', ...args, '--output', path.join(dir, 'img.so')], env, dir)
    assert.equal(result.code, 1, result.stderr)
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'))
    assert.equal(errors.length, 1, result.stderr)
    assert.match(result.stderr, pattern)
    assert.doesNotMatch(result.stderr, /^\s+at .*\.js:\d+/m, 'no stack trace')
    assert.equal(result.stdout, '')
    assert.deepEqual(await fs.readdir(dir), [], 'no image, no partial file')
  }

  it('project folder missing', () =>
    expectFailure(
      ['--project', path.join(dir, 'nope'), '--workload', path.join(example, 'workload.jl')],
      /error: project: folder .*nope does not exist/
    ))

  it('Project.toml missing', () =>
    expectFailure(
      ['--project', fixturesDir, '--workload', path.join(example, 'workload.jl')],
      /error: project: .* has no Project.toml/
    ))

  it('workload missing', () =>
    expectFailure(
      ['--project', example, '--workload', path.join(example, 'missing.jl')],
      /error: workload: file .*missing.jl does not exist/
    ))

  it("a workload that throws shows the workload's own message and line", () =>
    expectFailure(
      ['--project', example, '--workload', path.join(fixturesDir, 'workloads', 'throws.jl')],
      /error: workload: throws.jl failed while recording statements \(exit code 1\):\nERROR: LoadError: inventory file is corrupt \(from the test workload\)\nin expression starting at .*throws.jl:3/
    ))

  it('no Julia found', () =>
    expectFailure(
      ['--project', example, '--workload', path.join(example, 'workload.jl')],
      /error: julia: no Julia found: none was given and there is no julia on PATH/,
      {
        ...juliaTestEnv(depot),
        PATH: path.join(dir, 'empty-path')
      }
    ))

  it('a --julia that does not exist', () =>
    expectFailure(
      ['--project', example, '--julia', path.join(dir, 'bin', 'julia')],
      /error: julia-path: .*bin\/julia does not exist/
    ))
})
