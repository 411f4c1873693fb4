import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { silentLogger } from '../../src/log.js'
import type { ImageMetadata } from '../../src/metadata.js'
import { sha256File } from '../../src/util/hash.js'
import { runBuild, type RunResult } from '../../src/run-build.js'
import { buildFigures } from '../helpers/build-figures.js'
import { fixturesDir, fullImageMode, newDepot, testJulias } from '../helpers/test-julia.js'
import { runAsUser } from '../helpers/user-run.js'

const project = path.join(fixturesDir, 'shapes')

for (const julia of testJulias())
  describe(`full build of the shapes project with ${julia.label}`, { skip: julia.skip }, () => {
    let outDir: string
    let buildTemp: string
    let depot: string
    let result: RunResult
    let metadata: ImageMetadata

    before(async () => {
      outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-out-'))
      // the build's work folders go here, so the test can look for their path in the image
      buildTemp = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi build temp '))
      depot = newDepot()
      result = await runBuild(
        {
          juliaPath: julia.executable,
          tempDir: buildTemp,
          projectDir: project,
          workloads: [
            path.join(project, 'workload_tables.jl'),
            path.join(project, 'workload_scaling.jl')
          ],
          statementFiles: [path.join(project, 'extra_statements.jl')],
          output: path.join(outDir, 'shapes.so'),
          cpuTarget: 'native',
          mode: fullImageMode(julia),
          cacheKeyPrefix: '',
          measure: true,
          keepWorkDir: false,
          env: julia.env(depot)
        },
        undefined,
        silentLogger
      )
      metadata = JSON.parse(await fs.readFile(result.metadataFile, 'utf8')) as ImageMetadata
    })

    after(async () => {
      await fs.rm(outDir, { recursive: true, force: true })
      await fs.rm(buildTemp, { recursive: true, force: true })
      await fs.rm(depot, { recursive: true, force: true })
    })

    it('writes the image and its metadata and nothing else', async () => {
      assert.equal(result.image, path.join(outDir, 'shapes.so'))
      assert.deepEqual((await fs.readdir(outDir)).filter((f) => !f.startsWith('user-')).sort(), [
        'shapes.so',
        'shapes.so.json'
      ])
      const stat = await fs.stat(result.image)
      assert.equal(metadata.image.size, stat.size)
      assert.equal(metadata.image.sha256, await sha256File(result.image))
      // a project with path packages: auto picks full on a Julia without package images (1.5)
      assert.equal(metadata.mode, 'full')
    })

    it('the image loads and already holds the packages, including the indirect dependency', () => {
      const check = spawnSync(
        julia.executable,
        [
          `--sysimage=${result.image}`,
          '--startup-file=no',
          '-e',
          'print(join(sort([m.name for m in keys(Base.loaded_modules)]), ","))'
        ],
        { encoding: 'utf8', env: julia.env(depot) }
      )
      assert.equal(check.status, 0, check.stderr)
      const loaded = check.stdout.split(',')
      assert.ok(loaded.includes('Reports'), check.stdout)
      assert.ok(loaded.includes('Geometry'), check.stdout)
      assert.deepEqual(metadata.project.packagesInImage, ['Reports'])
    })

    it("holds no path of the build machine's work folders (its arguments, files and load path were reset)", async () => {
      const bytes = await fs.readFile(result.image)
      for (const needle of [buildTemp, path.basename(buildTemp).trim()]) {
        assert.equal(bytes.indexOf(Buffer.from(needle)), -1, `${needle} is in the image`)
      }
      assert.deepEqual(await fs.readdir(buildTemp), [], 'the work folder is removed')
    })

    it("its Main holds the same names as plain Julia's: nothing of the build script is left in it", () => {
      const mainNames = (image?: string) => {
        const run = spawnSync(
          julia.executable,
          [
            ...(image ? [`--sysimage=${image}`] : []),
            '--startup-file=no',
            '-e',
            'print(join(sort(string.(names(Main, all = true))), ","))'
          ],
          { encoding: 'utf8', env: julia.env(depot) }
        )
        assert.equal(run.status, 0, run.stderr)
        return run.stdout
      }
      assert.equal(mainNames(result.image), mainNames())
    })

    it('counts every kind of skipped statement from the hand-kept file', () => {
      const s = metadata.statements
      assert.ok(s.used > 20, `used ${s.used}`)
      assert.ok(s.skipped.main >= 1, 'Main.helper is bound to the script')
      assert.ok(s.skipped.malformed >= 2, 'the garbage line and the truncated statement')
      assert.ok(s.skipped.unresolvable >= 1, 'NoSuchPackage.f')
      assert.equal(s.skipped.failed, 0)
    })

    it('removes run-time compilation: residual ≤ 1 % of the statements used (or ≤ 1)', () => {
      const m = metadata.measurement
      assert.ok(m, 'measured')
      assert.ok(
        m.residual <= Math.max(1, Math.floor(metadata.statements.used / 100)),
        `residual ${m.residual}: ${m.residualStatements.join('\n')}`
      )
    })

    it('a user’s run of each workload with stdout a terminal compiles at most max(1, 1 %) too', async (t) => {
      // verify measured stdout a pipe and a file; a terminal is the third kind users have
      const bound = Math.max(1, metadata.statements.used / 100)
      for (const workload of ['workload_tables.jl', 'workload_scaling.jl']) {
        const run = await runAsUser(
          'terminal',
          result.image,
          project,
          path.join(project, workload),
          outDir,
          julia.env(depot),
          julia.executable
        )
        assert.equal(run.code, 0, run.output)
        t.diagnostic(`${workload}, stdout a terminal: ${run.residual.count} compiled at run time`)
        assert.ok(run.residual.count <= bound, run.residual.statements.join('\n'))
      }
      t.diagnostic(buildFigures(metadata))
    })

    it('time to first work with the image is lower than without', () => {
      const m = metadata.measurement
      assert.ok(m)
      assert.ok(
        m.with.workMs < m.without.workMs,
        `with ${m.with.workMs} ms, without ${m.without.workMs} ms`
      )
    })

    it('records every stage', () => {
      assert.deepEqual(Object.keys(metadata.timings), [
        'install',
        'probe',
        'instantiate',
        'precompile',
        'trace',
        'object',
        'link',
        'verify'
      ])
      assert.ok(julia.label.startsWith(`Julia ${metadata.julia.version} `), julia.label)
      assert.ok(metadata.object.size > 1_000_000)
    })
  })
