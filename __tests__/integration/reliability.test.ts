import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { probeJulia } from '../../src/julia/probe.js'
import type { ImageMetadata } from '../../src/metadata.js'
import { linkImage } from '../../src/stages/link/link.js'
import { setupProject } from '../../src/stages/project/setup.js'
import { sha256File } from '../../src/util/hash.js'
import { buildArgs, runCli, type CliRun } from '../helpers/cli.js'
import { helloProject, seedDependencyImage } from '../helpers/fixture-build.js'
import { debianJulia153 } from '../helpers/julia-info.js'
import { ScratchFolders } from '../helpers/scratch.js'
import {
  fixturesDir,
  juliaMissingReason,
  newestJulia,
  repoRoot,
  writeStubRegistry
} from '../helpers/test-julia.js'

/** The Julia users run: failure handling is tested once, on the newest one listed. */
const julia = newestJulia()
const example = helloProject
const workloads = path.join(fixturesDir, 'workloads')

/** One error line, naming the input; no stack trace; nothing on stdout. */
function assertOneError(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 1, run.stderr)
  const errors = run.stderr.split('\n').filter((line) => line.startsWith('error:'))
  assert.equal(errors.length, 1, run.stderr)
  assert.match(run.stderr, pattern)
  assert.doesNotMatch(run.stderr, /^\s+at .*:\d+:\d+\)?$/m, 'no stack trace')
  assert.equal(run.stdout, '')
}

describe(`reliability: inputs, ${julia.label}`, { skip: julia.skip }, () => {
  const scratch = new ScratchFolders()
  let dir: string
  let depot: string
  let env: NodeJS.ProcessEnv
  const build = (args: string[]) =>
    runCli(
      [
        'build',
        '--julia',
        julia.executable,
        '--no-cache',
        '--output',
        path.join(dir, 'out', 'img.so'),
        ...args
      ],
      env,
      dir
    )

  before(async () => {
    dir = await scratch.folder('inputs')
    depot = await scratch.depot()
    env = julia.env(depot)
  })
  after(() => scratch.remove())
  const noImage = async () =>
    assert.deepEqual(await fs.readdir(path.join(dir, 'out')).catch(() => []), [])

  it('Project.toml without Manifest.toml: instantiates what can be resolved', async () => {
    // a stdlib-only project resolves against a (stub) registry and gets a Manifest
    const project = path.join(dir, 'stdlib-only')
    await fs.mkdir(project)
    await fs.writeFile(
      path.join(project, 'Project.toml'),
      '[deps]\nPrintf = "de0858da-6303-5e67-8744-51eddeeeb8d7"\n'
    )
    const stubDepot = await scratch.depot()
    writeStubRegistry(stubDepot, 'https://github.com/JuliaRegistries/General.git')
    const stubEnv = julia.env(stubDepot)
    // instantiate alone, in its own process, as a build does before keying
    await setupProject(
      await probeJulia(julia.executable, stubEnv),
      project,
      stubEnv,
      false,
      false,
      ['instantiate']
    )
    assert.ok((await fs.stat(path.join(project, 'Manifest.toml'))).isFile())
  })

  it('Project.toml without Manifest.toml: a clear error when it cannot be resolved', async () => {
    const project = path.join(dir, 'no-manifest')
    await fs.cp(example, project, { recursive: true })
    await fs.rm(path.join(project, 'Manifest.toml'))
    assertOneError(
      await build(['--project', project, '--workload', path.join(project, 'workload.jl')]),
      /error: project: instantiating .* failed \(it has no Manifest.toml, so Pkg had to resolve every dependency\) \(exit code 1\):\nERROR: .*\n[\s\S]*commit the Manifest.toml it writes/
    )
    await noImage()
  })

  it('a malformed Manifest.toml', async () => {
    const project = path.join(dir, 'bad-manifest')
    await fs.cp(example, project, { recursive: true })
    await fs.writeFile(path.join(project, 'Manifest.toml'), '[[Hello]\npath = "Hello"\n')
    assertOneError(
      await build(['--project', project, '--workload', path.join(project, 'workload.jl')]),
      /error: project: .*Manifest.toml is not valid TOML .*Restore it from version control, or delete it/
    )
  })

  it('an unknown or malformed version spec, an unknown arch', async () => {
    const args = ['--project', example, '--workload', path.join(example, 'workload.jl')]
    assertOneError(
      await build([...args, '--version', 'banana']),
      /error: version: "banana" is not a Julia version/
    )
    assertOneError(
      await build([
        ...args,
        '--version',
        julia.version!,
        '--arch',
        'sparc',
        '--download-url',
        'http://127.0.0.1:9'
      ]),
      /error: arch: "sparc" is not an architecture Julia is built for/
    )
  })

  it('mode chained on a Julia that cannot chain, and a malformed cpu target', async () => {
    const args = ['--project', example, '--workload', path.join(example, 'workload.jl')]
    assertOneError(
      await build([...args, '--mode', 'chained']),
      /error: mode: chained images need a Julia built with the chained-sysimage patch \(JuliaLang\/julia PR #46045.*Julia \d+\.\d+\.\d+\S* does not export jl_precompiles_for_sysimage/
    )
    assertOneError(await build([...args, '--mode', 'quick']), /error: mode: "quick" is not a mode/)
    assertOneError(
      await build([...args, '--cpu-target', 'generic;;haswell']),
      /error: cpu-target: "generic;;haswell" is not a CPU target string/
    )
  })

  it('a workload that runs forever is stopped by --workload-timeout', async () => {
    const started = Date.now()
    const run = await build([
      '--project',
      example,
      '--workload',
      path.join(workloads, 'forever.jl'),
      '--workload-timeout',
      '0.1'
    ])
    assertOneError(
      run,
      /error: workload-timeout: forever.jl did not finish while recording statements within 0.1 minutes and was stopped/
    )
    assert.ok(Date.now() - started < 60_000, 'stopped, not waited for')
    assert.equal(spawnSync('pgrep', ['-f', 'forever.jl']).status, 1, 'no Julia left running')
  })
})

describe(`reliability: faults, ${julia.label}`, { skip: julia.skip }, () => {
  const scratch = new ScratchFolders()
  let dir: string
  let depot: string
  let env: NodeJS.ProcessEnv
  /**
   * Builds the example project with the bundled CLI into `output` (no cache: `auto` layers it,
   * and the dependency image's object build is the `--output-o` process these tests stop).
   */
  const buildExample = (output: string, onSpawn?: (pid: number) => void, extra: string[] = []) => {
    const args = [
      'build',
      '--julia',
      julia.executable,
      '--no-cache',
      '--project',
      example,
      '--workload',
      path.join(example, 'workload.jl'),
      ...extra
    ]
    return runCli([...args, '--output', output], env, dir, onSpawn)
  }
  before(async () => {
    dir = await scratch.folder('faults')
    depot = await scratch.depot()
    env = julia.env(depot)
  })
  after(() => scratch.remove())

  it('the object build killed (as by the out-of-memory killer): says so, with memory and advice, and leaves nothing', async () => {
    const out = path.join(dir, 'killed')
    let cliPid = 0
    const running = buildExample(path.join(out, 'img.so'), (started) => (cliPid = started))
    // wait for this CLI's own --output-o process, let it grow a little, then kill it the way
    // the kernel does
    let pid = ''
    for (let i = 0; i < 240 && !pid; i++) {
      await new Promise((r) => setTimeout(r, 500))
      pid = spawnSync('pgrep', ['-P', String(cliPid), '-f', '--', '--output-o='], {
        encoding: 'utf8'
      })
        .stdout.trim()
        .split('\n')[0]
    }
    assert.ok(pid, 'the object build started')
    await new Promise((r) => setTimeout(r, 5000))
    process.kill(Number(pid), 'SIGKILL')
    const run = await running
    assertOneError(
      run,
      /error: image build: the Julia process was killed \(SIGKILL\) after using up to \d+(\.\d)? [MG]B; this machine has .* most likely the out-of-memory killer\. Lower image-threads/
    )
    assert.deepEqual(await fs.readdir(out), [], 'no partial image')
  })

  it('an object build past --build-timeout is stopped with one clear error and leaves nothing', async () => {
    const out = path.join(dir, 'slow')
    let cliPid = 0
    const started = Date.now()
    const running = buildExample(path.join(out, 'img.so'), (pid) => (cliPid = pid), [
      '--build-timeout',
      '0.05'
    ])
    // note this CLI's own --output-o process while it runs, to check it is gone afterwards
    let done = false
    void running.finally(() => (done = true))
    let juliaPid = 0
    while (!done && !juliaPid) {
      await new Promise((r) => setTimeout(r, 200))
      const found = spawnSync('pgrep', ['-P', String(cliPid), '-f', '--', '--output-o='], {
        encoding: 'utf8'
      }).stdout.trim()
      juliaPid = Number(found.split('\n')[0]) || 0
    }
    const run = await running
    assertOneError(
      run,
      /error: build-timeout: the image build \(julia --output-o\) did not finish within 0\.05 minutes and was stopped\. .*If the build just needs more time .*raise build-timeout/
    )
    // a Julia that waits for tasks before writing the image: the likely cause is named too
    assert.match(run.stderr, /Most likely a package left a task or timer running/)
    assert.ok(Date.now() - started < 120_000, 'stopped, not waited for')
    assert.deepEqual(await fs.readdir(out), [], 'nothing half-written at the output path')
    assert.ok(juliaPid > 0, 'the object build had started')
    assert.throws(() => process.kill(juliaPid, 0), /ESRCH/, 'no Julia left running')
  })

  // the external `ld.lld` of a Julia before 1.9 (which bundles none): only Debian's 1.5.3 takes it
  it(
    'a link failure shows the linker’s own last lines and leaves no output',
    { skip: juliaMissingReason() },
    async () => {
      const object = path.join(dir, 'garbage-o.a')
      await fs.writeFile(object, 'this is not an object file')
      const output = path.join(dir, 'linked.so')
      const linker = {
        kind: 'lld' as const,
        path: execFileSync('which', ['ld.lld'], { encoding: 'utf8' }).trim()
      }
      await assert.rejects(
        linkImage(debianJulia153, linker, [object], output, process.env),
        (error: Error) => {
          assert.match(
            error.message,
            /^linker: .*ld\.lld failed \(exit code 1\):\n.*garbage-o\.a.*(unknown file type|unknown directive|file format not recognized)/s
          )
          return true
        }
      )
      await assert.rejects(fs.stat(output))
    }
  )

  async function withTmpfs(
    options: string,
    fn: (mountpoint: string) => Promise<void>
  ): Promise<void> {
    const mountpoint = await fs.mkdtemp(path.join(dir, 'mnt-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mountpoint])
    try {
      await fn(mountpoint)
    } finally {
      execFileSync('umount', [mountpoint])
    }
  }
  const canMount = spawnSync('mount', ['--version']).status === 0 && process.getuid?.() === 0

  it(
    'a full output folder fails before building, saying how much space is needed',
    { skip: canMount ? false : 'needs root to mount a tmpfs' },
    () =>
      withTmpfs('size=1m', async (mountpoint) => {
        const run = await buildExample(path.join(mountpoint, 'img.so'))
        assertOneError(
          run,
          /error: output: only \d+(\.\d)? (KB|MB) free in .*, and the image needs about \d+(\.\d)? MB\. Free some space/
        )
        assert.doesNotMatch(run.stderr, /▸ instantiate/, 'failed before any build work')
        assert.deepEqual(await fs.readdir(mountpoint), [])
      })
  )

  it(
    'a read-only output folder fails before building',
    { skip: canMount ? false : 'needs root to mount a tmpfs' },
    () =>
      withTmpfs('ro', async (mountpoint) => {
        const run = await buildExample(path.join(mountpoint, 'img.so'))
        assertOneError(
          run,
          /error: output: cannot write in .* \(read-only file system\)\. Choose an output path in a writable folder/
        )
      })
  )
})

describe(
  `reliability: hostile paths, an empty workload, two writers, ${julia.label}`,
  { skip: julia.skip },
  () => {
    const scratch = new ScratchFolders()
    let root: string
    let depot: string
    let env: NodeJS.ProcessEnv
    let project: string
    let output: string
    let cacheDir: string
    let hostileArgs: string[]
    let built: CliRun
    // every character a shell or Julia string would interpret, and non-ASCII
    const hostile = `a b'"$(touch pwned)\`touch pwned2\`;x é漢`

    before(async () => {
      root = await scratch.folder('paths')
      depot = await scratch.depot()
      env = julia.env(depot)
      project = path.join(root, `project ${hostile}`)
      await fs.cp(example, project, { recursive: true })
      await fs.copyFile(
        path.join(workloads, 'nothing.jl'),
        path.join(project, `work ${hostile}.jl`)
      )
      output = path.join(root, `out ${hostile}`, `image ${hostile}.so`)
      cacheDir = path.join(root, `cache ${hostile}`)
      // the dependency image does not depend on where the project is: an earlier run's serves
      await seedDependencyImage(julia, cacheDir)
      hostileArgs = buildArgs({
        julia: julia.executable,
        cache: cacheDir,
        project,
        workloads: [path.join(project, `work ${hostile}.jl`)],
        output
      })
      built = await runCli(hostileArgs, env, root)
    })
    after(() => scratch.remove())

    it('builds with such paths and executes nothing from them', async () => {
      assert.equal(built.code, 0, built.stderr)
      assert.equal(built.stdout, `${output}\n`)
      assert.ok((await fs.stat(output)).size > 1_000_000)
      for (const where of [root, project, path.dirname(output), repoRoot, os.tmpdir()]) {
        for (const name of ['pwned', 'pwned2']) {
          await assert.rejects(fs.stat(path.join(where, name)), `${name} in ${where}`)
        }
      }
    })

    it('a workload that records nothing still gives an image, with a note why it will not help', () => {
      assert.match(
        built.stderr,
        // layered (`auto` on this Julia): the retrace on top of the dependency image and the own
        // package images is what the workload package holds
        /warning: the workloads compiled nothing on top of the dependency image and the own package images \(\d+ statements recorded, \d+ of them bound to the scripts' own Main definitions\): the workload package is empty, .* the image will not make the workload faster/
      )
    })

    it('two runs writing the same output at once both succeed and leave a consistent image', async () => {
      const [a, b] = await Promise.all([
        runCli(hostileArgs, env, root),
        runCli(hostileArgs, env, root)
      ])
      assert.equal(a.code, 0, a.stderr)
      assert.equal(b.code, 0, b.stderr)
      const metadata = JSON.parse(await fs.readFile(`${output}.json`, 'utf8')) as ImageMetadata
      assert.equal(await sha256File(output), metadata.image.sha256)
      // the layer folder is built in place: the second run waits for the first
      assert.ok(
        [a.stderr, b.stderr].some((s) => /waiting for process \d+, which is building /.test(s)),
        'one run waited for the other'
      )
      const leftovers = (await fs.readdir(path.dirname(output))).filter((f) =>
        /\.tmp-|\.lock$|\.previous-/.test(f)
      )
      assert.deepEqual(leftovers, [], 'no temporary files, locks or set-aside folders left behind')
    })
  }
)
