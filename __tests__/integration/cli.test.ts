import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, promises as fs } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ImageMetadata } from '../../src/metadata.js'
import { buildArgs, runCli, type CliRun } from '../helpers/cli.js'
import {
  helloBuild,
  helloProject,
  loggedDependencyKey,
  seedDependencyImage,
  type FixtureBuild
} from '../helpers/fixture-build.js'
import { ScratchFolders } from '../helpers/scratch.js'
import { fixturesDir, newestJulia } from '../helpers/test-julia.js'

const julia = newestJulia()
const workload = path.join(helloProject, 'workload.jl')

/**
 * The README's example built by the bundled CLI as a user would, with the newest Julia listed:
 * `auto` layers it. The dependency image comes from a cache an earlier run left (the shared
 * `helloBuild`, whose own cold log is checked here too), so this suite's builds make the own and
 * workload layers only.
 */
describe(
  `julia-sysimage build (bundled CLI) on examples/hello, ${julia.label}`,
  { skip: julia.skip },
  () => {
    const scratch = new ScratchFolders()
    let dir: string
    let depot: string
    let run: CliRun
    let cold: FixtureBuild
    let cacheDir: string
    /** The arguments that build the example into `output`, with this suite's cache. */
    const helloArgs = (output: string) =>
      buildArgs({
        julia: julia.executable,
        cache: cacheDir,
        project: helloProject,
        workloads: [workload],
        output
      })
    /** The example built by the bundled CLI into `output`, with this suite's cache. */
    const buildHello = (output: string) => runCli(helloArgs(output), julia.env(depot), dir)
    const readMetadata = async (image: string) =>
      JSON.parse(await fs.readFile(`${image}.json`, 'utf8')) as ImageMetadata

    before(async () => {
      dir = await scratch.folder('cli')
      depot = await scratch.depot()
      cacheDir = path.join(dir, 'cache')
      cold = await helloBuild(julia)
      await seedDependencyImage(julia, cacheDir)
      run = await runCli(
        [...helloArgs('hello.so'), '--julia-wrapper', path.join(dir, 'bin')],
        julia.env(depot),
        dir
      )
    })
    after(() => scratch.remove())

    it('exits 0 and prints only the image path on stdout', () => {
      assert.equal(cold.run.code, 0, cold.run.stderr)
      assert.equal(cold.run.stdout, `${cold.image}\n`)
      assert.equal(run.code, 0, run.stderr)
      assert.equal(run.stdout, `${path.join(dir, 'hello.so')}\n`)
      // a workload that calls its packages gets no warning (reliability.test: one that does not)
      assert.doesNotMatch(run.stderr, /^\s*warning:/m)
    })

    it('writes a launcher beside the image that still works after image, layers and launcher are moved', async () => {
      assert.match(
        run.stderr,
        new RegExp(
          `launcher: .*hello\\.sh starts Julia ${julia.version!.replace(/[.+]/g, '\\$&')} with the image`
        )
      )
      const moved = path.join(dir, 'moved here')
      await fs.mkdir(moved)
      for (const name of ['hello.so', 'hello.sh', 'hello.layers'])
        await fs.cp(path.join(dir, name), path.join(moved, name), { recursive: true })
      const started = spawnSync(
        path.join(moved, 'hello.sh'),
        [
          `--project=${helloProject}`,
          '-e',
          'using Hello; print(unsafe_string(Base.JLOptions().image_file), "\\n", Base.pkgorigins[Base.PkgId(Hello)].cachepath)'
        ],
        { encoding: 'utf8', env: julia.env(depot) }
      )
      assert.equal(started.status, 0, started.stderr)
      const [image, hello] = started.stdout.split('\n')
      assert.equal(image, path.join(moved, 'hello.so'))
      // the own package's image comes from the moved layers, not from a fresh precompilation
      assert.ok(hello.startsWith(path.join(moved, 'hello.layers') + path.sep), started.stdout)
      assert.doesNotMatch(started.stderr, /Precompiling/)
    })

    it('--julia-wrapper: the julia it writes starts with the image and its layers, unless told another image', () => {
      const wrapperDir = path.join(dir, 'bin')
      assert.ok(run.stderr.includes(`export PATH='${wrapperDir}':"$PATH"`), run.stderr)
      const shell = {
        ...julia.env(depot),
        PATH: `${wrapperDir}${path.delimiter}${process.env.PATH}`
      }
      const started = spawnSync(
        'julia',
        [
          `--project=${helloProject}`,
          '-e',
          'using Hello; print(unsafe_string(Base.JLOptions().image_file), "\\n", Base.pkgorigins[Base.PkgId(Hello)].cachepath)'
        ],
        { encoding: 'utf8', env: shell }
      )
      assert.equal(started.status, 0, started.stderr)
      const [image, hello] = started.stdout.split('\n')
      assert.equal(image, path.join(dir, 'hello.so'))
      assert.ok(hello.startsWith(path.join(dir, 'hello.layers') + path.sep), started.stdout)
      assert.doesNotMatch(started.stderr, /Precompiling/)
      const other = spawnSync(
        'julia',
        ['-J', cold.image, '-e', 'print(unsafe_string(Base.JLOptions().image_file))'],
        {
          encoding: 'utf8',
          env: shell
        }
      )
      assert.equal(other.status, 0, other.stderr)
      assert.equal(other.stdout, cold.image)
    })

    it('prints one progress line per stage with its time: all of them cold, the layers only when the dependency image is cached', () => {
      const line = (stage: string) => new RegExp(`^✓ ${stage} \\d+\\.\\d s$`, 'm')
      const layers = ['own packages', 'workload package', 'verify']
      for (const stage of ['install', 'probe', 'instantiate', 'trace', 'object', 'link', ...layers])
        assert.match(cold.run.stderr, line(stage))
      for (const stage of [
        'install',
        'probe',
        'instantiate',
        'restore dependency image',
        ...layers
      ])
        assert.match(run.stderr, line(stage))
      assert.doesNotMatch(run.stderr, /▸ object/)
    })

    it('the image works: the example runs with it and barely compiles anything', async () => {
      const metadata = await readMetadata(path.join(dir, 'hello.so'))
      assert.equal(metadata.layers?.dependencies.status, 'restored')
      assert.deepEqual(
        metadata.layers?.own.packages.map((p) => p.name),
        ['Hello']
      )
      assert.ok(metadata.measurement)
      const used = metadata.statements.used + (metadata.layers?.workload.used ?? 0)
      assert.ok(
        metadata.measurement.residual <= Math.max(1, Math.floor(used / 100)),
        JSON.stringify(metadata.measurement)
      )
      assert.ok(metadata.measurement.with.workMs < metadata.measurement.without.workMs)
    })

    it('a second identical run restores every layer from the local cache instead of building', async () => {
      const first = await readMetadata(path.join(dir, 'hello.so'))
      const started = Date.now()
      const again = await buildHello('again.so')
      const elapsed = Date.now() - started
      assert.equal(again.code, 0, again.stderr)
      assert.doesNotMatch(again.stderr, /▸ (object|retrace)/)
      const restored = await readMetadata(path.join(dir, 'again.so'))
      assert.deepEqual(
        [
          restored.layers?.dependencies.status,
          restored.layers?.own.status,
          restored.layers?.workload.status
        ],
        ['restored', 'restored', 'restored']
      )
      assert.equal(restored.image.sha256, first.image.sha256)
      assert.ok(
        elapsed < cold.wallMs / 4,
        `restore took ${elapsed} ms, the cold build ${cold.wallMs} ms`
      )
    })

    it('a corrupted cache entry is thrown away and the image rebuilt', async () => {
      const key = loggedDependencyKey(run.stderr)!
      const handle = await fs.open(path.join(cacheDir, key, 'image'), 'r+')
      await handle.write(Buffer.from('corrupt'), 0, 7, 4096)
      await handle.close()
      // What matters is the decision after the lookup: the entry is refused and a build starts.
      // The build itself is the shared cold build's; to spend no second image build, the trace is
      // given a timeout no workload meets, so the run stops right after that decision.
      const rebuilt = await runCli(
        [...helloArgs('rebuilt.so'), '--workload-timeout', '0.0001'],
        julia.env(depot),
        dir
      )
      assert.match(
        rebuilt.stderr,
        /warning: the cached dependency image was thrown away and will be rebuilt: the image's sha256 [0-9a-f]{64} is not the/
      )
      assert.match(rebuilt.stderr, /▸ trace/)
      assert.notEqual(rebuilt.code, 0, 'stopped by the workload timeout, as arranged')
      assert.ok(!existsSync(path.join(cacheDir, key)), 'the corrupted entry is gone')
    })
  }
)

describe(
  'julia-sysimage build: bad input gives one clear message and no image',
  { skip: julia.skip },
  () => {
    const scratch = new ScratchFolders()
    let dir: string
    let depot: string
    before(async () => {
      dir = await scratch.folder('bad')
      depot = await scratch.depot()
    })
    after(() => scratch.remove())
    const withJulia = (args: string[]) => ['--julia', julia.executable, ...args]

    async function expectFailure(
      args: string[],
      pattern: RegExp,
      env = julia.env(depot)
    ): Promise<void> {
      const result = await runCli(
        ['build', ...args, '--output', path.join(dir, 'img.so')],
        env,
        dir
      )
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
        withJulia(['--project', path.join(dir, 'nope'), '--workload', workload]),
        /error: project: folder .*nope does not exist/
      ))

    it('Project.toml missing', () =>
      expectFailure(
        withJulia(['--project', fixturesDir, '--workload', workload]),
        /error: project: .* has no Project.toml/
      ))

    it('workload missing', () =>
      expectFailure(
        withJulia(['--project', helloProject, '--workload', path.join(helloProject, 'missing.jl')]),
        /error: workload: file .*missing.jl does not exist/
      ))

    it("a workload that throws shows the workload's own message and line", () =>
      expectFailure(
        withJulia([
          '--project',
          helloProject,
          '--workload',
          path.join(fixturesDir, 'workloads', 'throws.jl')
        ]),
        /error: workload: throws.jl failed while recording statements \(exit code 1\):\nERROR: LoadError: inventory file is corrupt \(from the test workload\)\nin expression starting at .*throws.jl:3/
      ))

    it('no Julia found', () =>
      expectFailure(
        ['--project', helloProject, '--workload', workload],
        /error: julia: no Julia found: none was given and there is no julia on PATH/,
        {
          ...julia.env(depot),
          PATH: path.join(dir, 'empty-path')
        }
      ))

    it('a --julia that does not exist', () =>
      expectFailure(
        ['--project', helloProject, '--julia', path.join(dir, 'bin', 'julia')],
        /error: julia-path: .*bin\/julia does not exist/
      ))
  }
)
