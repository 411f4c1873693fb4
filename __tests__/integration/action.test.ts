import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ImageMetadata } from '../../src/metadata.js'
import { startArtifactServer, type ArtifactServer } from '../helpers/artifact-server.js'
import { startCacheServer, type CacheServer } from '../helpers/cache-server.js'
import { helloProject } from '../helpers/fixture-build.js'
import { runActionStep, type RunnerStep } from '../helpers/runner.js'
import { ScratchFolders } from '../helpers/scratch.js'
import { juliaAtLeast, newestJulia, repoRoot } from '../helpers/test-julia.js'
import { readZip } from '../helpers/zip-listing.js'

const julia = newestJulia()
const entry = path.join(repoRoot, 'dist', 'action', 'index.js')

/**
 * The bundled action, run as a runner runs it, with the newest real Julia listed (`auto` layers
 * examples/hello), and the runner's cache and artifact services emulated on loopback (the only
 * fakes: the real @actions/cache and @actions/artifact talk to them).
 */
describe(
  `the bundled action (dist/action/index.js) run as a runner would, ${julia.label}`,
  { skip: julia.skip },
  () => {
    const scratch = new ScratchFolders()
    let artifacts: ArtifactServer
    let cache: CacheServer
    let workspace: string
    let depot: string
    let env: NodeJS.ProcessEnv
    let cold: RunnerStep
    let dependencyKey: string
    const inputs = {
      'julia-path': julia.executable,
      project: helloProject,
      workload: path.join(helloProject, 'workload.jl')
    }

    before(async () => {
      artifacts = await startArtifactServer()
      const services = artifacts.env()
      cache = await startCacheServer({ token: services.ACTIONS_RUNTIME_TOKEN })
      workspace = await scratch.folder('action')
      depot = await scratch.depot()
      // cache over the REST protocol beside the artifact service: one runtime token, as on a runner
      const all = { ...cache.env('v1'), ...services }
      env = julia.env(depot, {
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            ([k]) => !k.startsWith('ACTIONS_') && !k.startsWith('GITHUB_')
          )
        ),
        ...Object.fromEntries(
          Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)
        )
      })
      cold = await runActionStep(
        entry,
        { ...inputs, 'retention-days': '3' },
        workspace,
        path.join(workspace, '.runner-cold'),
        env
      )
      // the key the failing-cache case spares (its rebuild would take minutes)
      if (cold.code === 0) {
        const m = JSON.parse(await fs.readFile(cold.outputs.metadata, 'utf8')) as ImageMetadata
        dependencyKey = m.layers?.dependencies.key ?? ''
      }
    })

    after(async () => {
      await artifacts.close()
      await cache.close()
      await scratch.remove()
    })

    it('builds on a miss and sets every output', async () => {
      assert.equal(cold.code, 0, cold.stdout + cold.stderr)
      const o = cold.outputs
      assert.equal(o['cache-hit'], 'false')
      assert.equal(o.sysimage, path.join(workspace, 'sysimage.so'))
      assert.equal(o.metadata, path.join(workspace, 'sysimage.so.json'))
      assert.equal(o['julia-version'], julia.version)
      assert.equal(
        await fs.realpath(o['julia-bindir']),
        await fs.realpath(path.dirname(julia.executable))
      )
      assert.equal(o['julia-args'].split(' ')[0], `--sysimage=${o.sysimage}`)
      assert.match(o['artifact-id'], /^\d+$/)
      assert.equal(o.launcher, path.join(workspace, 'sysimage.sh'))
      assert.ok((await fs.stat(o.sysimage)).size > 1_000_000)
      // a layered image (auto, a package project): its folder is part of the result
      const layerFolder = path.join(workspace, 'sysimage.layers')
      assert.deepEqual(o.files.split('\n'), [o.sysimage, o.metadata, o.launcher, layerFolder])
      assert.ok((await fs.stat(path.join(layerFolder, 'layers.txt'))).isFile())
    })

    /** PATH as the runner makes it for later steps: the folders a step added, last added first. */
    const laterPath = (added: string[]) => [...added].reverse().join(path.delimiter)
    /** The image this Julia starts with by default. */
    const baseImage = () =>
      spawnSync(julia.executable, ['-e', 'print(unsafe_string(Base.JLOptions().image_file))'], {
        encoding: 'utf8',
        env
      }).stdout
    const imageAndHello =
      'using Hello; print(unsafe_string(Base.JLOptions().image_file), "\\n", Base.pkgorigins[Base.PkgId(Hello)].cachepath)'

    it("a later step's `using Pkg, Test` on a fresh depot compiles nothing", async () => {
      // julia-runtest's first two loads. Up to 1.10 Julia's own image holds both, and so does
      // every image built on it; from 1.11 the image holds them because the build adds them:
      // else their package images, compiled for Julia's own image, would be rejected and both
      // (with ~20 stdlibs under Pkg) compiled into this depot
      const fresh = await scratch.depot()
      const next = spawnSync('julia', ['-e', 'using Pkg, Test; print(pathof(Pkg))'], {
        encoding: 'utf8',
        env: julia.env(fresh, { ...env, PATH: laterPath(cold.path) })
      })
      assert.equal(next.status, 0, next.stderr)
      assert.doesNotMatch(next.stderr, /Precompiling/)
      assert.equal(
        await fs.stat(path.join(fresh, 'compiled')).catch(() => undefined),
        undefined,
        `nothing compiled into the fresh depot ${fresh}`
      )
    })

    it("a later step's plain julia starts with the image and its layers, with no flags", async () => {
      // the Julia's own folder, then the wrapper's (first on PATH)
      assert.equal(cold.path.length, 2, cold.path.join(', '))
      assert.equal(cold.path[0], path.dirname(julia.executable))
      assert.match(cold.stdout, /later steps' plain julia starts with the image and its layers/)
      assert.match(cold.summary, /a plain <code>julia<\/code> starts with the image/)
      const next = spawnSync('julia', [`--project=${helloProject}`, '-e', imageAndHello], {
        encoding: 'utf8',
        env: { ...env, PATH: laterPath(cold.path) }
      })
      assert.equal(next.status, 0, next.stderr)
      const [image, hello] = next.stdout.split('\n')
      assert.equal(image, cold.outputs.sysimage)
      assert.ok(
        hello.startsWith(path.join(workspace, 'sysimage.layers') + path.sep),
        `Hello's package image comes from the layers beside the image: ${next.stdout}`
      )
      assert.doesNotMatch(next.stderr, /Precompiling/)
      // a command line that names a sysimage gets that one, and the layers stay out of it
      const own = spawnSync(
        'julia',
        [
          `--sysimage=${baseImage()}`,
          '-e',
          'print(unsafe_string(Base.JLOptions().image_file), " ", any(d -> occursin("sysimage.layers", d), DEPOT_PATH))'
        ],
        { encoding: 'utf8', env: { ...env, PATH: laterPath(cold.path) } }
      )
      assert.equal(own.status, 0, own.stderr)
      assert.equal(own.stdout, `${baseImage()} false`)
      assert.doesNotMatch(own.stderr, /julia-sysimage:/)
    })

    it('julia-with-image: false leaves the plain Julia on PATH; julia-args then give the image', async () => {
      const plain = await runActionStep(
        entry,
        {
          ...inputs,
          output: 'plain/sysimage.so',
          'upload-artifact': 'false',
          measure: 'false',
          'julia-with-image': 'false'
        },
        workspace,
        path.join(workspace, '.runner-plain'),
        env
      )
      assert.equal(plain.code, 0, plain.stdout + plain.stderr)
      assert.deepEqual(plain.path, [path.dirname(julia.executable)])
      const bare = spawnSync('julia', ['-e', 'print(unsafe_string(Base.JLOptions().image_file))'], {
        encoding: 'utf8',
        env: { ...env, PATH: laterPath(plain.path) }
      })
      assert.equal(bare.stdout, baseImage())
      // the next step as the README shows it for this case
      const next = spawnSync(
        'julia',
        [
          ...plain.outputs['julia-args'].split(' '),
          `--project=${helloProject}`,
          '-e',
          imageAndHello
        ],
        { encoding: 'utf8', env: { ...env, PATH: laterPath(plain.path) } }
      )
      assert.equal(next.status, 0, next.stderr)
      assert.equal(next.stdout.split('\n')[0], plain.outputs.sysimage)
      assert.doesNotMatch(next.stderr, /Precompiling/)
    })

    it('writes a launcher beside the image that starts Julia with it', () => {
      const run = spawnSync(
        cold.outputs.launcher,
        [`--project=${helloProject}`, path.join(helloProject, 'workload.jl')],
        { encoding: 'utf8', env }
      )
      assert.equal(run.status, 0, run.stderr)
      assert.match(run.stdout, /category/)
      assert.match(cold.summary, /the launcher <code>sysimage\.sh<\/code>/)
      assert.match(cold.summary, /\.\/sysimage\.sh --project=\.\.\. script\.jl/)
    })

    it('logs each stage as a group and annotates skipped statements once', () => {
      for (const stage of [
        'install',
        'probe',
        'instantiate',
        'restore dependency image',
        'precompile',
        'trace',
        'object',
        'link',
        'save dependency image',
        'restore own layer',
        'own packages',
        'save own layer',
        'restore workload layer',
        'retrace',
        'workload package',
        'save workload layer',
        'verify',
        'upload artifact'
      ]) {
        assert.match(cold.stdout, new RegExp(`^::group::${stage}$`, 'm'))
      }
      const notices = cold.stdout.split('\n').filter((line) => line.startsWith('::notice'))
      const skipped = notices.filter((line) => line.includes('statements not in the image'))
      assert.equal(skipped.length, 1, notices.join('\n'))
      assert.match(skipped[0], /bound to the workload's own Main definitions/)
      assert.equal(notices.length, skipped.length, notices.join('\n'))
      // the dependency image holds Pkg and Test for later steps, and names those Julia's own
      // image leaves out: Test from 1.9, both from 1.11
      const held = /held for later steps, which Julia's own image leaves out: (.*)$/m.exec(
        cold.stdout
      )?.[1]
      assert.equal(held, juliaAtLeast(julia, 1, 11) ? 'Pkg, Test' : 'Test', cold.stdout)
    })

    it('saves the image in the cache and uploads image, metadata, launcher and SHA256SUMS', async () => {
      const metadata = JSON.parse(await fs.readFile(cold.outputs.metadata, 'utf8')) as ImageMetadata
      const layers = metadata.layers!
      assert.deepEqual(
        cache.entries
          .filter((e) => e.committed)
          .map((e) => e.key)
          .sort(),
        [dependencyKey, layers.own.key, layers.workload.key].sort(),
        'each layer saved once'
      )
      const uploaded = artifacts.artifacts.find(
        (a) => a.name === `sysimage-linux-x86_64-julia-${julia.version}`
      )
      assert.ok(
        uploaded?.content,
        `artifacts: ${artifacts.artifacts.map((a) => a.name).join(', ')}`
      )
      assert.equal(String(uploaded.id), cold.outputs['artifact-id'])
      assert.ok(uploaded.expiresAt, 'retention-days reached the service')
      const files = readZip(uploaded.content)
      const names = files.map((f) => f.name)
      assert.deepEqual(names.filter((name) => !name.startsWith('sysimage.layers/')).sort(), [
        'SHA256SUMS',
        'sysimage.sh',
        'sysimage.so',
        'sysimage.so.json'
      ])
      // the layers travel with the image: the pointer and the package images
      assert.ok(names.includes('sysimage.layers/layers.txt'), names.join(', '))
      assert.ok(names.some((name) => name.endsWith('.so') && name.startsWith('sysimage.layers/')))
      const launcher = files.find((f) => f.name === 'sysimage.sh')
      assert.equal(launcher?.data?.toString(), await fs.readFile(cold.outputs.launcher, 'utf8'))
      const sums = files.find((f) => f.name === 'SHA256SUMS')
      assert.ok(sums?.data)
      assert.match(
        sums.data.toString(),
        new RegExp(`^${metadata.image.sha256}  sysimage\\.so$`, 'm')
      )
    })

    it('writes the job summary table', () => {
      const summary = cold.summary
      assert.match(summary, /<h2>Julia sysimage<\/h2>/)
      assert.match(summary, /<h3>Time to first X<\/h3>/)
      assert.match(summary, /<th>load<\/th><th>first work<\/th>/)
      assert.match(summary, /<td>without image<\/td><td>\d+\.\d\d s<\/td>/)
      assert.match(summary, /<td>with image<\/td>/)
      assert.match(summary, /<td>speed-up<\/td>.*×<\/td>/)
      assert.match(summary, /<td>object<\/td><td>\d+\.\d\d s<\/td>/)
      assert.match(summary, /<td>dependency image<\/td><td>built<\/td>/)
      assert.match(summary, /<td>workload package<\/td><td>built<\/td>/)
      assert.match(summary, /<td>own packages<\/td><td>\d+\.\d\d s<\/td>/)
      assert.match(summary, /<td>cache<\/td><td>miss \(/)
      assert.match(
        summary,
        /<td>compiled at run time with the image<\/td><td>\d+ \(stdout a pipe: \d+, a file: \d+, a terminal: \d+\)<\/td>/
      )
    })

    it('a second run with the same inputs restores in a small fraction of the time', async () => {
      const warm = await runActionStep(
        entry,
        { ...inputs, output: 'warm/sysimage.so', 'upload-artifact': 'false' },
        workspace,
        path.join(workspace, '.runner-warm'),
        env
      )
      assert.equal(warm.code, 0, warm.stdout + warm.stderr)
      assert.equal(warm.outputs['cache-hit'], 'true', warm.stdout)
      assert.equal(warm.outputs.sysimage, path.join(workspace, 'warm', 'sysimage.so'))
      assert.doesNotMatch(warm.stdout, /^::group::(object|retrace)$/m)
      assert.match(warm.summary, /<td>cache<\/td><td>hit \(/)
      assert.ok(
        warm.elapsedMs < cold.elapsedMs * 0.2,
        `warm ${warm.elapsedMs} ms, cold ${cold.elapsedMs} ms`
      )
      console.log(
        `# cold run ${(cold.elapsedMs / 1000).toFixed(1)} s, warm run ${(warm.elapsedMs / 1000).toFixed(1)} s`
      )
    })

    it('a failing cache service is a warning and the image is still built', async () => {
      // every lookup but the dependency image's fails (its rebuild would only cost minutes): the
      // own and workload layers, all saved by now, are built again
      cache.failNext('lookup', 500, 10, (key) => !key.startsWith(dependencyKey))
      const step = await runActionStep(
        entry,
        { ...inputs, output: 'no-cache/sysimage.so', 'upload-artifact': 'false', measure: 'false' },
        workspace,
        path.join(workspace, '.runner-failing'),
        env
      )
      assert.equal(step.code, 0, step.stdout + step.stderr)
      assert.equal(step.outputs['cache-hit'], 'false')
      assert.match(
        step.stdout,
        /^::warning::restoring from the GitHub Actions cache failed, building instead/m
      )
      assert.match(step.stdout, /^::group::own packages$/m)
      assert.match(step.stdout, /^::group::workload package$/m)
      assert.ok((await fs.stat(step.outputs.sysimage)).size > 1_000_000)
    })

    it('bad input fails the step with one message naming the input', async () => {
      const step = await runActionStep(
        entry,
        { ...inputs, workload: 'missing.jl' },
        workspace,
        path.join(workspace, '.runner-bad'),
        env
      )
      assert.equal(step.code, 1)
      const errors = step.stdout.split('\n').filter((line) => line.startsWith('::error::'))
      assert.equal(errors.length, 1, step.stdout)
      assert.match(errors[0], /^::error::workload: file .*missing\.jl does not exist/)
    })
  }
)
