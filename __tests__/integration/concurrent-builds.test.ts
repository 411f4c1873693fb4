import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ImageMetadata } from '../../src/metadata.js'
import { buildArgs, runCli, type CliRun } from '../helpers/cli.js'
import { helloProject, seedDependencyImage } from '../helpers/fixture-build.js'
import { ScratchFolders } from '../helpers/scratch.js'
import { newestJulia } from '../helpers/test-julia.js'

const julia = newestJulia()

/** Every file and folder below `dir`, relative to it. */
async function listing(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true }).catch(() => [] as string[])
  return entries.map(String).sort()
}

/**
 * Two builds of one project started at the same moment, sharing the cache folder and the user's
 * cache folder (where entries pass through), as two jobs of a self-hosted runner or a developer
 * running the CLI twice would. The dependency image is in the cache already (the shared
 * `helloBuild`'s), so both restore it at once, then build and save the same own and workload
 * layers at once. Each has its own depot, as two jobs would.
 */
describe(
  `two builds of one project at once on one cache folder, ${julia.label}`,
  { skip: julia.skip },
  () => {
    const scratch = new ScratchFolders()
    let root: string
    let cacheDir: string
    let userCache: string
    let dependencyKey: string
    let runs: CliRun[]

    before(async () => {
      root = await scratch.folder('concurrent')
      cacheDir = path.join(root, 'cache')
      userCache = path.join(root, 'xdg-cache')
      dependencyKey = await seedDependencyImage(julia, cacheDir)
      const depots = await Promise.all(['a', 'b'].map(() => scratch.depot()))
      runs = await Promise.all(
        ['a', 'b'].map((name, i) =>
          runCli(
            buildArgs({
              julia: julia.executable,
              cache: cacheDir,
              project: helloProject,
              workloads: [path.join(helloProject, 'workload.jl')],
              output: path.join(root, `${name}.so`),
              extra: ['--no-measure']
            }),
            { ...julia.env(depots[i]), XDG_CACHE_HOME: userCache },
            root
          )
        )
      )
    })
    after(() => scratch.remove())

    it('both exit 0 without a cache warning, and both images verified', async () => {
      for (const [i, run] of runs.entries()) {
        assert.equal(run.code, 0, run.stderr)
        assert.doesNotMatch(run.stderr, /^warning:/m, `run ${i}`)
        const output = path.join(root, `${'ab'[i]}.so`)
        const metadata = JSON.parse(await fs.readFile(`${output}.json`, 'utf8')) as ImageMetadata
        assert.equal(metadata.layers?.dependencies.status, 'restored')
        assert.deepEqual(
          metadata.layers?.own.packages.map((p) => p.name),
          ['Hello']
        )
        assert.equal((await fs.stat(output)).size, metadata.image.size)
      }
    })

    it('one entry per layer remains, each whole, and no temporary files or folders anywhere', async () => {
      const [a, b] = await Promise.all(
        ['a', 'b'].map(
          async (name) =>
            JSON.parse(
              await fs.readFile(path.join(root, `${name}.so.json`), 'utf8')
            ) as ImageMetadata
        )
      )
      const keys = (m: ImageMetadata) => [
        m.layers!.dependencies.key,
        m.layers!.own.key,
        m.layers!.workload.key
      ]
      assert.deepEqual(keys(a), keys(b), 'both runs computed the same keys')
      assert.equal(a.layers!.dependencies.key, dependencyKey)
      assert.deepEqual((await fs.readdir(cacheDir)).sort(), [...keys(a)].sort())
      assert.deepEqual(await listing(path.join(cacheDir, dependencyKey)), ['facts.json', 'image'])
      for (const key of keys(a).slice(1))
        assert.deepEqual(await listing(path.join(cacheDir, key)), ['facts.json', 'layer.tar'])
      assert.deepEqual(await listing(path.join(userCache, 'julia-sysimage', 'entries')), [])
      assert.deepEqual(
        (await fs.readdir(root)).filter((n) => n.startsWith('.')),
        []
      )
    })
  }
)
