import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse as parseToml } from 'smol-toml'
import type { ImageMetadata } from '../../src/metadata.js'
import { manifestEntries } from '../../src/stages/layers/split.js'
import { sha256File } from '../../src/util/hash.js'
import { findTerminalRunner } from '../../src/util/terminal.js'
import { buildArgs, cliEntry, runCli, type CliRun } from '../helpers/cli.js'
import { juliaRuntestArgs } from '../helpers/julia-runtest.js'
import {
  layeredRegistryPackages,
  writeLayeredProject,
  writeLocalRegistry,
  type LayeredProject
} from '../helpers/local-registry.js'
import { juliaAtLeast, modernJulias, newDepot } from '../helpers/test-julia.js'

/**
 * The layered mode on a package project over registry dependencies (a local registry of our own
 * fixture packages, installed by Pkg as versioned packages with tree hashes): the dependency
 * image, the own packages' images and the workload package, each cached on its own. One cold
 * build, then edits: each asserts which layers were built and that the image runs as a user
 * runs it, through the launcher.
 */
const workloadUuid = '5d3c6a52-0f6e-4b8e-9c51-2f1a7e9b0c11'

for (const julia of modernJulias())
  describe(`layered images (bundled CLI, ${julia.label})`, { skip: julia.skip }, () => {
    let root: string
    let depot: string
    let project: LayeredProject
    let cacheDir: string
    let out: string
    const image = () => path.join(out, 'sysimage.so')
    const launcher = () => path.join(out, 'sysimage.sh')
    const wall: Record<string, number> = {}
    /** A file Julia writes when it precompiles one of the project's packages or the workload package. */
    const projectFiles = /Ledger|TableKit|TextReports|RuleBook|JuliaSysimageWorkload/

    /** A checkout of the project and the image built from it: the suite's own, by default. */
    interface Place {
      dir: string
      workload: string
      output: string
    }
    const here = (): Place => ({ dir: project.dir, workload: project.workload, output: image() })
    const build = async (
      name: string,
      mode = 'layered',
      extra: string[] = [],
      at: Place = here()
    ): Promise<CliRun> => {
      const started = Date.now()
      const run = await runCli(
        buildArgs({
          julia: julia.executable,
          cache: cacheDir,
          project: at.dir,
          workloads: [at.workload],
          output: at.output,
          mode,
          extra
        }),
        julia.env(depot),
        root
      )
      wall[name] = Date.now() - started
      return run
    }
    const metadata = async (at: Place = here()) =>
      JSON.parse(await fs.readFile(`${at.output}.json`, 'utf8')) as ImageMetadata
    const statuses = (m: ImageMetadata) => [
      m.layers?.dependencies.status,
      m.layers?.own.status,
      m.layers?.workload.status
    ]
    /** The workload as a user runs it: the launcher, stdout a pipe, an empty depot first. */
    const runAsUser = async (launcherFile = launcher(), args = [project.workload]) => {
      const firstDepot = await fs.mkdtemp(path.join(root, 'first-depot-'))
      const env = julia.env(depot)
      const result = spawnSync(launcherFile, [`--project=${project.dir}`, ...args], {
        env: {
          ...env,
          JULIA_DEPOT_PATH: [firstDepot, ...(env.JULIA_DEPOT_PATH ?? '').split(path.delimiter)]
            .filter(Boolean)
            .join(path.delimiter)
        },
        encoding: 'utf8'
      })
      const written = await fs
        .readdir(path.join(firstDepot, 'compiled'), { recursive: true })
        .catch(() => [])
      return { ...result, precompiled: written }
    }
    const isPrecompiled = async (names: Record<string, string>) => {
      const code =
        'for (name, uuid) in (split(l, "=") for l in split(ENV["CHECK_PACKAGES"], ";")); ' +
        'println(name, "=", Base.isprecompiled(Base.PkgId(Base.UUID(uuid), name))); end'
      const result = spawnSync(launcher(), [`--project=${project.dir}`, '-e', code], {
        env: {
          ...julia.env(depot),
          CHECK_PACKAGES: Object.entries(names)
            .map(([n, u]) => `${n}=${u}`)
            .join(';')
        },
        encoding: 'utf8'
      })
      assert.equal(result.status, 0, result.stderr)
      return Object.fromEntries(
        result.stdout
          .trim()
          .split('\n')
          .map((line) => line.split('='))
          .map(([n, v]) => [n, v === 'true'])
      )
    }
    /** The uuid of a package of the manifest, or of the project itself. */
    const uuidOf = async (name: string): Promise<string> => {
      const entry = manifestEntries(parseToml(await fs.readFile(project.manifest, 'utf8'))).find(
        (e) => e.name === name
      )
      if (entry) return entry.uuid
      const own = parseToml(await fs.readFile(path.join(project.dir, 'Project.toml'), 'utf8'))
      return String(own.uuid)
    }

    let cold: CliRun
    let coldMetadata: ImageMetadata
    before(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-layered-'))
      depot = newDepot()
      cacheDir = path.join(root, 'cache')
      out = path.join(root, 'out')
      const env = julia.env(depot)
      await writeLocalRegistry(depot, path.join(root, 'repos'), layeredRegistryPackages())
      project = await writeLayeredProject(julia.executable, env, root, { tableKitVersion: '1.0.0' })
      cold = await build('cold')
      coldMetadata = await metadata()
    })
    after(async () => {
      process.stderr.write(`# layered wall times (ms): ${JSON.stringify(wall)}\n`)
      await fs.rm(root, { recursive: true, force: true })
      await fs.rm(depot, { recursive: true, force: true })
    })

    it('a cold build makes all three layers; the workload runs through the launcher, compiling nothing', async (t) => {
      assert.equal(cold.code, 0, cold.stderr)
      const m = coldMetadata
      assert.equal(m.mode, 'layered')
      assert.deepEqual(statuses(m), ['built', 'built', 'built'])
      const layers = m.layers!
      t.diagnostic(
        `cold ${wall.cold} ms; deps ${layers.dependencies.ms} ms ${layers.dependencies.size} B; ` +
          `own ${layers.own.ms} ms; workload ${layers.workload.ms} ms, ${layers.workload.statements} statements; ` +
          `first work ${m.measurement?.without.workMs} → ${m.measurement?.with.workMs} ms; ` +
          `residual pipe ${m.measurement?.residualByStdout?.pipe}, file ${m.measurement?.residualByStdout?.file}, terminal ${m.measurement?.residualByStdout?.terminal}`
      )
      assert.deepEqual(layers.dependencies.packages.sort(), ['Dates', 'TableKit', 'TextReports'])
      // LedgerRules' extension on Dates (in the dependency image) is own code too: its image
      // is built into the own layer, after the packages
      assert.deepEqual(
        layers.own.packages.map((p) => [p.name, p.status]),
        [
          ['LedgerRules', 'built'],
          ['Ledger', 'built'],
          ['LedgerRulesDatesExt', 'built']
        ]
      )
      assert.ok(layers.workload.statements > 0, 'the workload package holds statements')
      // the own packages are not in the image; the registry packages are
      assert.deepEqual(m.project.packagesInImage.sort(), ['Dates', 'TableKit', 'TextReports'])
      assert.deepEqual(layers.precompiledAtRunTime, [])
      const used = m.statements.used + (layers.workload.used ?? 0)
      const bound = Math.max(1, Math.floor(used / 100))
      assert.ok(m.measurement!.residualByStdout!.pipe <= bound, JSON.stringify(m.measurement))
      assert.ok(m.measurement!.residualByStdout!.file <= bound, JSON.stringify(m.measurement))
      // and with stdout a terminal, as in a terminal window (where this machine can make one)
      if (await findTerminalRunner())
        assert.ok(
          m.measurement!.residualByStdout!.terminal! <= bound,
          JSON.stringify(m.measurement)
        )
      // the image alone: the hook built into it finds the layers beside it
      assert.deepEqual(m.juliaArgs, [`--sysimage=${path.join(out, 'sysimage.so')}`])

      const run = await runAsUser()
      assert.equal(run.status, 0, run.stderr)
      assert.equal(run.stdout.split('\n')[0], 'ledger v1')
      assert.deepEqual(run.precompiled, [], 'nothing precompiled at run time')
      assert.doesNotMatch(run.stderr, /julia-sysimage:/, 'the manifest is the one built for')
    })

    it('every process started with the image gets its layers: a child of julia_cmd(), a Distributed worker; a start compiles nothing of the hook', async () => {
      // where a process loaded Ledger from: the layer folder's depot, or elsewhere
      const origin = path.join(root, 'origin.jl')
      await fs.writeFile(
        origin,
        'using Ledger\nstring(occursin("sysimage.layers", something(Base.pkgorigins[Base.PkgId(Ledger)].cachepath, "")))\n'
      )
      const code = [
        'using Distributed',
        'here = include(ARGS[1])',
        'child = readchomp(`$(Base.julia_cmd()) --project=$(Base.active_project()) -e "print(include(ARGS[1]))" $(ARGS[1])`)',
        'addprocs(1; exeflags = "--project=$(Base.active_project())")',
        'worker = remotecall_fetch(Base.include, 2, Main, ARGS[1])',
        'print(here, " ", child, " ", worker)'
      ].join('\n')
      const run = await runAsUser(launcher(), ['-e', code, origin])
      assert.equal(run.status, 0, run.stderr)
      assert.equal(run.stdout.trim().split('\n').pop(), 'true true true')
      // Distributed (and on 1.12 Serialization) are not in these Julias' default images, nor
      // then in this one: the first process to load them precompiles them once, as with any
      // image that lacks them. Nothing of the project is precompiled.
      assert.deepEqual(
        run.precompiled.filter((file) => projectFiles.test(file)),
        [],
        'nothing of the project precompiled in any of the three processes'
      )
      // a start that loads an own package (which loads the workload package through the hook)
      // compiles nothing: the hook's code is in the image
      const trace = path.join(root, 'start.trace.jl')
      const start = await runAsUser(launcher(), [`--trace-compile=${trace}`, '-e', 'using Ledger'])
      assert.equal(start.status, 0, start.stderr)
      // Julia opens the trace file at the first statement it compiles: none, no file. On 1.12
      // one line is Julia's own: `-e`'s exit checks for `@main`
      // (`Base.should_use_main_entrypoint`), recompiled after the loaded packages invalidated
      // it (measured: `# recompile`); nothing names the hook or anything it calls
      const compiled = (await fs.readFile(trace, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line && !line.includes('Base.should_use_main_entrypoint)}) # recompile'))
      assert.deepEqual(compiled, [])
    })

    it('moved together, the image, its layer folder and the launcher still run the workload', async (t) => {
      const moved = path.join(root, 'moved', 'elsewhere')
      await fs.mkdir(path.dirname(moved), { recursive: true })
      await fs.rename(out, moved)
      try {
        const run = await runAsUser(path.join(moved, 'sysimage.sh'))
        assert.equal(run.status, 0, run.stderr)
        assert.equal(run.stdout.split('\n')[0], 'ledger v1')
        t.diagnostic(
          `precompiled at first use after the move: ${run.precompiled.join(', ') || 'nothing'}`
        )
        const files = run.precompiled.filter((f) => /\.(ji|so|dylib|dll)$/.test(String(f)))
        if (juliaAtLeast(julia, 1, 11)) {
          // 1.11 on records the sources of a package in a depot relative to that depot
          // (base/loading.jl, `@depot` in the cache header): the moved layers are all valid
          assert.deepEqual(run.precompiled, [], 'nothing is precompiled after the move')
        } else {
          // Julia 1.10 records the workload package's absolute source path in its image: moved,
          // that one package (and only it) is precompiled once at first use
          assert.ok(files.length > 0, 'Julia 1.10 precompiles the moved workload package once')
          assert.ok(
            files.every((f) => String(f).includes('JuliaSysimageWorkload')),
            `only the workload package may be precompiled again: ${run.precompiled.join(', ')}`
          )
        }
        // and the moved layers are in use: the own package and the workload package loaded
        const loaded = await runAsUser(path.join(moved, 'sysimage.sh'), [
          '-e',
          'using Ledger; ids = keys(Base.loaded_modules); print(join(sort([id.name for id in ids if id.name in ("Ledger", "JuliaSysimageWorkload", "LedgerRulesDatesExt")]), " "), " ", pathof(Ledger) !== nothing)'
        ])
        assert.equal(loaded.status, 0, loaded.stderr)
        assert.equal(loaded.stdout, 'JuliaSysimageWorkload Ledger LedgerRulesDatesExt true')
        // the extension came with the moved layers (Julia 1.10 compiles the workload package again)
        assert.deepEqual(
          loaded.precompiled.filter(
            (f) =>
              /\.(ji|so|dylib|dll)$/.test(String(f)) && !String(f).includes('JuliaSysimageWorkload')
          ),
          []
        )
      } finally {
        await fs.rename(moved, out)
      }
    })

    let beforeEdit: Record<string, boolean>
    let editRun: CliRun
    it('an edit of the own package: exactly it and the workload package go stale; only those layers rebuild', async () => {
      await project.setGreeting('ledger v2')
      const uuids = {
        Ledger: await uuidOf('Ledger'),
        LedgerRules: await uuidOf('LedgerRules'),
        JuliaSysimageWorkload: workloadUuid
      }
      beforeEdit = await isPrecompiled(uuids)
      assert.deepEqual(beforeEdit, {
        Ledger: false,
        LedgerRules: true,
        JuliaSysimageWorkload: false
      })
      editRun = await build('own edit')
      assert.equal(editRun.code, 0, editRun.stderr)
      const m = await metadata()
      assert.deepEqual(statuses(m), ['restored', 'built', 'built'])
      // the previous build's images are reused where valid: only the edited package is rebuilt
      // (the extension depends on LedgerRules and Dates, not on Ledger)
      assert.deepEqual(
        m.layers!.own.packages.map((p) => [p.name, p.status]),
        [
          ['LedgerRules', 'precompiled'],
          ['Ledger', 'built'],
          ['LedgerRulesDatesExt', 'precompiled']
        ]
      )
      // the dependency image is the very same file
      assert.equal(m.image.sha256, coldMetadata.image.sha256)
      assert.equal(await sha256File(image()), coldMetadata.image.sha256)
      assert.deepEqual(m.layers!.precompiledAtRunTime, [])
      assert.ok(wall['own edit'] < wall.cold / 2, JSON.stringify(wall))
      const run = await runAsUser()
      assert.equal(run.status, 0, run.stderr)
      assert.equal(run.stdout.split('\n')[0], 'ledger v2')
      assert.deepEqual(run.precompiled, [])
    })

    it('an edit of the workload on a fresh checkout (new mtimes): only the workload package rebuilds; auto picks layered', async () => {
      // a checkout gives every file a new mtime: Julia 1.10 would call the own images stale
      const now = Date.now() / 1000 + 5
      for (const file of [project.ownSource, project.rulesSource]) await fs.utimes(file, now, now)
      await fs.appendFile(project.workload, 'Ledger.main(; months = 2)\n')
      const run = await build('workload edit', 'auto')
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stderr, /mode: layered \(the project has code of its own/)
      const m = await metadata()
      assert.equal(m.mode, 'layered')
      assert.deepEqual(statuses(m), ['restored', 'restored', 'built'])
      if (juliaAtLeast(julia, 1, 11)) {
        // 1.11 on checks sources by content hash, not mtime (base/loading.jl `stale_cachefile`):
        // nothing is put back, and the new mtimes still leave the own images valid
        assert.ok(!m.layers!.own.sourceTimesRestored, JSON.stringify(m.layers!.own))
      } else {
        assert.ok((m.layers!.own.sourceTimesRestored ?? 0) >= 2, JSON.stringify(m.layers!.own))
      }
      // restored from the cache into a new generation: the extension's image came with it
      assert.deepEqual(
        m.layers!.own.packages.map((p) => [p.name, p.status]),
        [
          ['LedgerRules', 'precompiled'],
          ['Ledger', 'precompiled'],
          ['LedgerRulesDatesExt', 'precompiled']
        ]
      )
      assert.deepEqual(m.layers!.precompiledAtRunTime, [])
    })

    it('built from another folder, the layers Julia rejects are saved as the next generation: a second build there restores every layer', async () => {
      // another checkout folder: the own package images record their sources' absolute paths,
      // so Julia rejects the restored ones and rebuilds them (and the workload package on them)
      const elsewhere = path.join(root, 'elsewhere', 'Ledger')
      await fs.cp(project.dir, elsewhere, { recursive: true })
      const there: Place = {
        dir: elsewhere,
        workload: path.join(elsewhere, 'workload.jl'),
        output: path.join(root, 'elsewhere-out', 'sysimage.so')
      }
      const buildThere = (name: string) => build(name, 'layered', [], there)
      const thereMetadata = () => metadata(there)
      const first = await buildThere('elsewhere')
      assert.equal(first.code, 0, first.stderr)
      assert.deepEqual(statuses(await thereMetadata()), ['restored', 'built', 'built'])
      assert.match(
        first.stderr,
        /own package images and it was rebuilt .*saved as \S+-2, which later runs restore/
      )
      // as on a fresh runner: the output of the first build there is gone (an output that stays
      // holds two generations of layers, each with its own workload entry on Julia 1.10)
      await fs.rm(path.dirname(there.output), { recursive: true, force: true })
      const second = await buildThere('elsewhere again')
      assert.equal(second.code, 0, second.stderr)
      const m = await thereMetadata()
      assert.deepEqual(statuses(m), ['restored', 'restored', 'restored'], second.stderr)
      assert.deepEqual(
        m.layers!.own.packages.map((p) => p.status),
        ['precompiled', 'precompiled', 'precompiled']
      )
    })

    it('a julia started during a rebuild runs the previous set; a killed rebuild leaves it whole', async () => {
      const layersRoot = path.join(out, 'sysimage.layers')
      const pointer = await fs.readFile(path.join(layersRoot, 'layers.txt'), 'utf8')
      const previousImage = await sha256File(image())
      const workload = await fs.readFile(project.workload, 'utf8')
      // an edit of the workload: the own layer stays valid, the workload package is rebuilt
      await fs.appendFile(project.workload, '# an edit\n')
      const child = spawn(
        process.execPath,
        [
          cliEntry,
          ...buildArgs({
            julia: julia.executable,
            cache: cacheDir,
            project: project.dir,
            workloads: [project.workload],
            output: image(),
            mode: 'layered'
          })
        ],
        // its own process group: the kill reaches its Julia processes too
        { env: julia.env(depot), cwd: root, detached: true, stdio: ['ignore', 'ignore', 'pipe'] }
      )
      let log = ''
      child.stderr.on('data', (d: Buffer) => (log += d.toString()))
      const exited = once(child, 'exit')
      try {
        const deadline = Date.now() + 600_000
        while (!/▸ retrace/.test(log)) {
          assert.equal(child.exitCode, null, `the build ended before its retrace: ${log}`)
          assert.ok(Date.now() < deadline, log)
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
        // the new generation is being written beside the one in use
        const during = await runAsUser()
        assert.equal(during.status, 0, during.stderr)
        assert.equal(during.stdout.split('\n')[0], 'ledger v2')
        assert.deepEqual(during.precompiled, [], 'the set in use is whole during the build')
        assert.equal(child.exitCode, null, 'the build still ran: the run above was during it')
      } finally {
        process.kill(-child.pid!, 'SIGKILL')
        await exited
        await fs.writeFile(project.workload, workload)
      }
      assert.equal(await fs.readFile(path.join(layersRoot, 'layers.txt'), 'utf8'), pointer)
      assert.equal(await sha256File(image()), previousImage)
      const afterKill = await runAsUser()
      assert.equal(afterKill.status, 0, afterKill.stderr)
      assert.equal(afterKill.stdout.split('\n')[0], 'ledger v2')
      assert.deepEqual(afterKill.precompiled, [], 'the killed build left the set in use whole')
    })

    it('an own package that fails to precompile: one error naming it, the previous image left as it was', async () => {
      const rules = await fs.readFile(project.rulesSource, 'utf8')
      const previous = await sha256File(image())
      await fs.writeFile(project.rulesSource, `${rules}\nfunction broken(\n`)
      try {
        const run = await build('broken')
        assert.notEqual(run.code, 0)
        const errors = run.stderr.split('\n').filter((line) => /^error: /.test(line))
        assert.equal(errors.length, 1, run.stderr)
        assert.match(errors[0], /error: project: LedgerRules \(own package\) failed to precompile/)
        assert.equal(await sha256File(image()), previous)
        const left = (await fs.readdir(out)).sort()
        assert.deepEqual(left, [
          'sysimage.layers',
          'sysimage.sh',
          'sysimage.so',
          'sysimage.so.json'
        ])
        // the generation in use and its pointer; neither the failed build's generation nor
        // what the killed build before it left (its partial image, lock, generation) remain
        const generations = (await fs.readdir(path.join(out, 'sysimage.layers'))).sort()
        assert.equal(generations.length, 2, generations.join(', '))
        assert.match(generations[0], /^build-[12]$/)
        assert.deepEqual(generations.slice(1), ['layers.txt'])
      } finally {
        await fs.writeFile(project.rulesSource, rules)
      }
      // the previous layers are back in place, whole
      const run = await runAsUser()
      assert.equal(run.status, 0, run.stderr)
      assert.equal(run.stdout.split('\n')[0], 'ledger v2')
    })

    // The dependency image is built again on the first Julia listed only (1.10 in .ci/run); on
    // the others the new key and the miss are checked and the run is stopped by a workload
    // timeout right after the lookup, which saves an image build (3-5 minutes) per Julia.
    const fullRebuild = julia === modernJulias().find((j) => !j.skip)
    it(
      fullRebuild
        ? 'a new version of a package only own code uses rebuilds the dependency image, and that version runs'
        : 'a new version of a package only own code uses misses the dependency image (the run is stopped after the lookup)',
      async () => {
        // RuleBook is reached only through the own package LedgerRules, yet the workload loads
        // it, so it is in the dependency image: its version must be in the image's key, or the
        // old image would hide the manifest's new version for good
        await project.setRuleBookVersion('1.1.0')
        // until it is rebuilt, the image's RuleBook is used whatever the manifest says: a start
        // says so in one line, naming both versions and the way out
        const mixed = await runAsUser(launcher(), ['-e', 'print(1)'])
        assert.equal(mixed.status, 0, mixed.stderr)
        const warnings = mixed.stderr.split('\n').filter((l) => l.startsWith('julia-sysimage:'))
        assert.equal(warnings.length, 1, mixed.stderr)
        assert.match(
          warnings[0],
          /the image holds RuleBook 1\.0\.0 \(the environment wants 1\.1\.0\) and Julia uses the image's; rebuild the image .*Manifest\.toml.*julia-with-image: false/
        )
        if (!fullRebuild) {
          const run = await build('dependency change', 'layered', ['--workload-timeout', '0.0001'])
          assert.notEqual(run.code, 0, 'stopped by the workload timeout, as arranged')
          const key = /dependency image key: (\S+)/.exec(run.stderr)?.[1]
          assert.ok(key, run.stderr)
          assert.notEqual(key, coldMetadata.layers!.dependencies.key)
          assert.match(run.stderr, /▸ trace/, 'a miss: the dependency image is traced again')
          return
        }
        const run = await build('dependency change')
        assert.equal(run.code, 0, run.stderr)
        const m = await metadata()
        assert.deepEqual(statuses(m), ['built', 'built', 'built'])
        assert.notEqual(m.layers!.dependencies.key, coldMetadata.layers!.dependencies.key)
        const user = await runAsUser()
        assert.equal(user.status, 0, user.stderr)
        assert.equal(user.stdout.split('\n')[0], 'ledger v2')
        assert.doesNotMatch(user.stderr, /julia-sysimage:/, 'rebuilt: no version mix')
        const version = await runAsUser(launcher(), [
          '-e',
          'using LedgerRules; print(pkgversion(LedgerRules.RuleBook), " ", LedgerRules.RuleBook.EDITION)'
        ])
        assert.equal(version.status, 0, version.stderr)
        assert.equal(version.stdout, '1.1.0 RuleBook 1.1.0')
      }
    )

    // Julia rejects package images built with other code flags (`CacheFlags`): a test step's
    // `--check-bounds=yes` needs layers built for it. One more image build, on the first Julia
    // listed only.
    it(
      "julia-flags '--check-bounds=yes': Pkg.test() exactly as julia-runtest runs it uses the layers and precompiles nothing",
      { skip: !fullRebuild && 'one more image build: on the first Julia listed only' },
      async () => {
        const at: Place = { ...here(), output: path.join(root, 'out-test', 'sysimage.so') }
        const wrapperDir = path.join(root, 'test-wrapper')
        const run = await build(
          'for a test step',
          'layered',
          ['--julia-flags', '--check-bounds=yes --inline=yes', '--julia-wrapper', wrapperDir],
          at
        )
        assert.equal(run.code, 0, run.stderr)
        const m = await metadata(at)
        assert.deepEqual(m.juliaFlags, ['--check-bounds=yes'], '--inline=yes is the default')
        assert.notEqual(m.layers!.dependencies.key, (await metadata()).layers!.dependencies.key)
        assert.deepEqual(m.layers!.precompiledAtRunTime, [])
        // julia-runtest's step, from its action.yml (inputs at their defaults, coverage off), with
        // the plain `julia` a later step finds on PATH and an empty depot first
        const firstDepot = await fs.mkdtemp(path.join(root, 'first-depot-'))
        const env = julia.env(depot)
        const step = spawnSync('julia', juliaRuntestArgs(false), {
          cwd: project.dir,
          env: {
            ...env,
            PATH: [wrapperDir, env.PATH].join(path.delimiter),
            JULIA_DEPOT_PATH: [firstDepot, ...(env.JULIA_DEPOT_PATH ?? '').split(path.delimiter)]
              .filter(Boolean)
              .join(path.delimiter)
          },
          encoding: 'utf8'
        })
        assert.equal(step.status, 0, step.stderr)
        assert.match(step.stdout + step.stderr, /Ledger tests passed/)
        // nothing of the project is precompiled, nor Pkg and Test: the image holds them for
        // later steps (Julia's own image leaves Test out from 1.9, Pkg from 1.11)
        const written = await fs
          .readdir(path.join(firstDepot, 'compiled'), { recursive: true })
          .catch(() => [])
        assert.deepEqual(
          written.filter((file) => projectFiles.test(file)),
          [],
          'the test child loaded the own packages and the workload package from the layers'
        )
        assert.deepEqual(
          written.filter((file) => /^v[\d.]+[/\\](Pkg|Test)$/.test(file)),
          [],
          `Pkg and Test come from the image: ${written.join(', ')}`
        )
      }
    )
  })
