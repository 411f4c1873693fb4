import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ImageMetadata } from '../../src/metadata.js'
import { runCli, type CliRun } from '../helpers/cli.js'
import { juliaMissingReason, juliaTestEnv, newDepot, repoRoot } from '../helpers/test-julia.js'

const skip = juliaMissingReason()
const example = path.join(repoRoot, 'examples', 'hello')

/** Every file and folder below `dir`, relative to it. */
async function listing(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true }).catch(() => [] as string[])
  return entries.map(String).sort()
}

/**
 * Two cold builds of one project started at the same moment, sharing the cache folder and the
 * user's cache folder (where entries pass through), as two jobs of a self-hosted runner or a
 * developer running the CLI twice would. Each has its own depot: Julia 1.5 itself does not
 * guard concurrent precompilation into one depot.
 */
describe('two cold builds of one project at once on one cache folder', { skip }, () => {
  let root: string
  let cacheDir: string
  let userCache: string
  const depots: string[] = []
  let runs: CliRun[]

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-concurrent-'))
    cacheDir = path.join(root, 'cache')
    userCache = path.join(root, 'xdg-cache')
    runs = await Promise.all(
      ['a', 'b'].map((name) => {
        const depot = newDepot()
        depots.push(depot)
        return runCli(
          [
            'build',
            '--cache-dir',
            cacheDir,
            '--project',
            example,
            '--workload',
            path.join(example, 'workload.jl'),
            '--output',
            path.join(root, `${name}.so`),
            '--no-measure'
          ],
          { ...juliaTestEnv(depot), XDG_CACHE_HOME: userCache },
          root
        )
      })
    )
  })
  after(async () => {
    await fs.rm(root, { recursive: true, force: true })
    for (const depot of depots) await fs.rm(depot, { recursive: true, force: true })
  })

  it('both exit 0 without a cache warning, and both images verified', async () => {
    for (const [i, run] of runs.entries()) {
      assert.equal(run.code, 0, run.stderr)
      assert.doesNotMatch(run.stderr, /^warning:/m, `run ${i}`)
      const output = path.join(root, `${'ab'[i]}.so`)
      const metadata = JSON.parse(await fs.readFile(`${output}.json`, 'utf8')) as ImageMetadata
      assert.deepEqual(metadata.project.packagesInImage, ['Hello'])
      assert.equal((await fs.stat(output)).size, metadata.image.size)
    }
  })

  it('exactly one entry remains, and no temporary files or folders anywhere', async () => {
    const entries = await fs.readdir(cacheDir)
    assert.equal(entries.length, 1, entries.join(', '))
    assert.deepEqual((await listing(path.join(cacheDir, entries[0]))).sort(), [
      'image',
      'metadata.json'
    ])
    assert.deepEqual(await listing(path.join(userCache, 'julia-sysimage', 'entries')), [])
    assert.deepEqual(
      (await fs.readdir(root)).filter((n) => n.startsWith('.')),
      []
    )
  })
})
