import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { before, describe, it } from 'node:test'
import type { ImageMetadata } from '../../src/metadata.js'
import { sha256File } from '../../src/util/hash.js'
import { buildFigures } from '../helpers/build-figures.js'
import { shapesBuild, shapesProject, type FixtureBuild } from '../helpers/fixture-build.js'
import { testJulias } from '../helpers/test-julia.js'
import { runAsUser } from '../helpers/user-run.js'

/**
 * The full image of the shapes fixture, once per test Julia (Debian's 1.5.3 included: it is the
 * path for Julia before package images, with an external lld, where `auto` must pick `full`).
 * The build is shared with stdout-kinds.test.ts (helpers/fixture-build.ts).
 */
for (const julia of testJulias())
  describe(`full build of the shapes project with ${julia.label}`, { skip: julia.skip }, () => {
    let build: FixtureBuild
    let outDir: string
    let buildTemp: string
    let depot: string
    let metadata: ImageMetadata
    const project = shapesProject

    before(async () => {
      build = await shapesBuild(julia)
      assert.equal(build.run.code, 0, build.run.stderr)
      assert.ok(build.metadata)
      ;({ out: outDir, buildTemp, depot, metadata } = build)
    })

    it('writes the image and its metadata and nothing else', async () => {
      assert.equal(build.image, path.join(outDir, 'shapes.so'))
      assert.deepEqual((await fs.readdir(outDir)).filter((f) => !f.startsWith('user-')).sort(), [
        'shapes.sh',
        'shapes.so',
        'shapes.so.json'
      ])
      const stat = await fs.stat(build.image)
      assert.equal(metadata.image.size, stat.size)
      assert.equal(metadata.image.sha256, await sha256File(build.image))
      // a project with path packages: auto picks full on a Julia without package images (1.5)
      assert.equal(metadata.mode, 'full')
    })

    it('the image loads and already holds the packages, including the indirect dependency', () => {
      const check = spawnSync(
        julia.executable,
        [
          `--sysimage=${build.image}`,
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
      assert.ok(loaded.includes('Printer'), check.stdout)
      assert.deepEqual([...metadata.project.packagesInImage].sort(), ['Printer', 'Reports'])
    })

    it("holds no path of the build machine's work folders (its arguments, files and load path were reset)", async () => {
      const bytes = await fs.readFile(build.image)
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
      assert.equal(mainNames(build.image), mainNames())
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
        // (workload_streams.jl: stdout-kinds.test.ts runs it with all three kinds)
        const run = await runAsUser(
          'terminal',
          build.image,
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
