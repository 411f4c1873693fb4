import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { findOnPath } from '../../src/install/select.js'
import type { ImageMetadata } from '../../src/metadata.js'
import { startArtifactServer, type ArtifactServer } from '../helpers/artifact-server.js'
import { startCacheServer, type CacheServer } from '../helpers/cache-server.js'
import { runActionStep, type RunnerStep } from '../helpers/runner.js'
import { juliaMissingReason, juliaTestEnv, newDepot, repoRoot } from '../helpers/test-julia.js'
import { readZip } from '../helpers/zip-listing.js'

const skip = juliaMissingReason()
const entry = path.join(repoRoot, 'dist', 'action', 'index.js')
const example = path.join(repoRoot, 'examples', 'hello')

/**
 * The bundled action, run as a runner runs it, with the real Julia, and the runner's cache and
 * artifact services emulated on loopback (the only fakes: the real @actions/cache and
 * @actions/artifact talk to them).
 */
describe('the bundled action (dist/action/index.js) run as a runner would', { skip }, () => {
  let artifacts: ArtifactServer
  let cache: CacheServer
  let workspace: string
  let depot: string
  let env: NodeJS.ProcessEnv
  let cold: RunnerStep
  const prefix = `test-${randomBytes(4).toString('hex')}`
  const inputs = {
    project: example,
    workload: path.join(example, 'workload.jl'),
    'cache-key-prefix': prefix
  }

  before(async () => {
    artifacts = await startArtifactServer()
    const services = artifacts.env()
    cache = await startCacheServer({ token: services.ACTIONS_RUNTIME_TOKEN })
    workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-action-'))
    depot = newDepot()
    // cache over the REST protocol beside the artifact service: one runtime token, as on a runner
    const all = { ...cache.env('v1'), ...services }
    env = juliaTestEnv(depot, {
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
  })

  after(async () => {
    await artifacts.close()
    await cache.close()
    await fs.rm(workspace, { recursive: true, force: true })
    await fs.rm(depot, { recursive: true, force: true })
  })

  it('builds on a miss and sets every output', async () => {
    assert.equal(cold.code, 0, cold.stdout + cold.stderr)
    const o = cold.outputs
    assert.equal(o['cache-hit'], 'false')
    assert.equal(o.sysimage, path.join(workspace, 'sysimage.so'))
    assert.equal(o.metadata, path.join(workspace, 'sysimage.so.json'))
    assert.equal(o['julia-version'], '1.5.3')
    assert.equal(o['julia-bindir'], '/usr/bin')
    assert.equal(o['julia-args'], `--sysimage=${o.sysimage}`)
    assert.match(o['artifact-id'], /^\d+$/)
    assert.equal(o.launcher, path.join(workspace, 'sysimage.sh'))
    assert.ok((await fs.stat(o.sysimage)).size > 1_000_000)
  })

  it("puts the Julia it used on PATH, so a later step's plain julia with julia-args works", async () => {
    const julia = await findOnPath(env)
    assert.ok(julia)
    assert.deepEqual(cold.path, [path.dirname(julia)])
    // the next step as the README shows it, with only what the action added on PATH
    const next = spawnSync(
      'julia',
      [
        ...cold.outputs['julia-args'].split(' '),
        `--project=${example}`,
        '-e',
        'print(any(m -> nameof(m) == :Hello, values(Base.loaded_modules)))'
      ],
      { encoding: 'utf8', env: { ...env, PATH: cold.path.join(path.delimiter) } }
    )
    assert.equal(next.status, 0, next.stderr)
    assert.equal(next.stdout, 'true', 'Hello is in the image the later step loaded')
  })

  it('writes a launcher beside the image that starts Julia with it', () => {
    const run = spawnSync(
      cold.outputs.launcher,
      [`--project=${example}`, path.join(example, 'workload.jl')],
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
      'restore',
      'instantiate',
      'precompile',
      'trace',
      'object',
      'link',
      'verify',
      'save'
    ]) {
      assert.match(cold.stdout, new RegExp(`^::group::${stage}$`, 'm'))
    }
    const notices = cold.stdout.split('\n').filter((line) => line.startsWith('::notice'))
    assert.equal(notices.length, 1, notices.join('\n'))
    assert.match(notices[0], /bound to the workload's own Main definitions/)
  })

  it('saves the image in the cache and uploads image, metadata, launcher and SHA256SUMS', async () => {
    assert.equal(cache.entries.filter((e) => e.committed && e.key.startsWith(prefix)).length, 1)
    const uploaded = artifacts.artifacts.find((a) => a.name === 'sysimage-linux-x86_64-julia-1.5.3')
    assert.ok(uploaded?.content, `artifacts: ${artifacts.artifacts.map((a) => a.name).join(', ')}`)
    assert.equal(String(uploaded.id), cold.outputs['artifact-id'])
    assert.ok(uploaded.expiresAt, 'retention-days reached the service')
    const files = readZip(uploaded.content)
    assert.deepEqual(files.map((f) => f.name).sort(), [
      'SHA256SUMS',
      'sysimage.sh',
      'sysimage.so',
      'sysimage.so.json'
    ])
    const launcher = files.find((f) => f.name === 'sysimage.sh')
    assert.equal(launcher?.data?.toString(), await fs.readFile(cold.outputs.launcher, 'utf8'))
    const metadata = JSON.parse(await fs.readFile(cold.outputs.metadata, 'utf8')) as ImageMetadata
    const sums = files.find((f) => f.name === 'SHA256SUMS')
    assert.ok(sums?.data)
    assert.match(sums.data.toString(), new RegExp(`^${metadata.image.sha256}  sysimage\\.so$`, 'm'))
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
    assert.match(summary, /<td>cache<\/td><td>miss \(/)
    assert.match(
      summary,
      /<td>compiled at run time with the image<\/td><td>\d+ \(stdout a pipe: \d+, a file: \d+\)<\/td>/
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
    assert.doesNotMatch(warm.stdout, /^::group::object$/m)
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
    cache.failNext('lookup', 500, 10)
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
    assert.match(step.stdout, /^::group::object$/m)
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
})
