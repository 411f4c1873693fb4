import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { layerCacheKey } from '../../src/keys.js'
import {
  hookConfigText,
  statementsSourceText,
  workloadEnvironment,
  workloadPackage
} from '../../src/stages/layers/folder.js'
import { recordSourceTimes, restoreSourceTimes } from '../../src/stages/layers/mtimes.js'
import { checkoutRoot, ownSourceFiles } from '../../src/stages/layers/sources.js'
import { sha256File } from '../../src/util/hash.js'
import { parseLayersReport } from '../../src/stages/layers/precompile.js'
import {
  manifestEntries,
  splitLayers,
  withProjectExtensions
} from '../../src/stages/layers/split.js'
import { heldPackages, heldPackagesMismatch } from '../../src/stages/layers/held-packages.js'
import { dependencyKeyFacts, projectPreferencesFact } from '../../src/stages/layers/layer-keys.js'
import { namesAny, rebaseBound } from '../../src/stages/layers/build.js'
import { maxLayerGenerations, saveKeyAfterRestore } from '../../src/stages/layers/entries.js'
import { recordingLogger } from '../helpers/recording-logger.js'
import { nextGenerationKey } from '../../src/store/cache-entries.js'
import { parse as parseToml } from 'smol-toml'

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

// A project package App: a path package Rules (depends on the registry packages Table and
// Units, which only Rules uses), a registry package Report that depends on Rules (so it is own
// code too), Table and its stdlib.
const unitsEntry = (version: string, treeHash: string) => ({
  uuid: uuid(7),
  version,
  'git-tree-sha1': treeHash,
  deps: []
})
const manifest = {
  manifest_format: '2.0',
  deps: {
    Rules: [{ uuid: uuid(2), path: 'Rules', version: '0.1.0', deps: ['Table', 'Units'] }],
    Units: [unitsEntry('1.0.0', 'e'.repeat(40))],
    Report: [
      { uuid: uuid(3), version: '1.2.0', 'git-tree-sha1': 'b'.repeat(40), deps: ['Rules', 'Table'] }
    ],
    Table: [{ uuid: uuid(4), version: '1.0.0', 'git-tree-sha1': 'a'.repeat(40), deps: ['Printf'] }],
    Printf: [{ uuid: uuid(5), deps: [] }],
    Other: [
      {
        uuid: uuid(6),
        version: '2.0.0',
        'git-tree-sha1': 'c'.repeat(40),
        deps: { Printf: uuid(5) }
      }
    ]
  }
}
const project = {
  ownPackage: 'App',
  packages: [
    { name: 'App', uuid: uuid(1) },
    { name: 'Other', uuid: uuid(6) },
    { name: 'Report', uuid: uuid(3) },
    { name: 'Rules', uuid: uuid(2) },
    { name: 'Table', uuid: uuid(4) }
  ]
}

describe('splitLayers', () => {
  const split = splitLayers(project, manifestEntries(manifest))
  it('own code: path packages, what depends on them, the project itself; dependencies first', () => {
    assert.deepEqual(
      split.own.map((p) => p.name),
      ['Rules', 'Report', 'App']
    )
  })
  it('the dependency image takes every other package; its key, all it can hold, by version and tree hash', () => {
    assert.deepEqual(
      split.deps.map((p) => p.name),
      ['Other', 'Table']
    )
    // Units is reached only through the own package Rules: a workload that loads Rules loads
    // it, so it ends up in the image and must be in its key
    assert.deepEqual(
      split.closure.map((e) => [e.name, e.version, e.treeHash]),
      [
        ['Table', '1.0.0', 'a'.repeat(40)],
        ['Printf', undefined, undefined],
        ['Other', '2.0.0', 'c'.repeat(40)],
        ['Units', '1.0.0', 'e'.repeat(40)]
      ]
    )
  })
  it('the project listed in its own manifest (Julia 1.12 Pkg, `path = "."`) is placed once, last', () => {
    const withSelf = {
      ...manifest,
      deps: {
        ...manifest.deps,
        App: [{ uuid: uuid(1), path: '.', version: '0.1.0', deps: ['Rules'] }]
      }
    }
    assert.deepEqual(
      splitLayers(project, manifestEntries(withSelf)).own.map((p) => p.name),
      ['Rules', 'Report', 'App']
    )
  })
  it('a project without own code keeps everything in the dependency image', () => {
    const plain = splitLayers(
      { packages: [{ name: 'Table', uuid: uuid(4) }] },
      manifestEntries({ Table: [{ uuid: uuid(4), version: '1.0.0', deps: [] }] })
    )
    assert.deepEqual(plain.own, [])
    assert.deepEqual(
      plain.deps.map((p) => p.name),
      ['Table']
    )
  })
})

describe('package extensions in the own layer', () => {
  // Rules (own) has an extension on Printf; Table (registry) has one triggered by Rules (own)
  // and one on Printf alone; Other has one on a package the manifest does not hold
  const withExtensions = {
    manifest_format: '2.0',
    deps: {
      ...manifest.deps,
      Rules: [
        {
          ...manifest.deps.Rules[0],
          weakdeps: ['Printf'],
          extensions: { RulesPrintfExt: 'Printf' }
        }
      ],
      Table: [
        {
          ...manifest.deps.Table[0],
          weakdeps: ['Rules', 'Printf'],
          extensions: { TableRulesExt: ['Rules', 'Printf'], TablePrintfExt: 'Printf' }
        }
      ],
      Other: [
        {
          ...manifest.deps.Other[0],
          weakdeps: { Absent: uuid(99) },
          extensions: { OtherAbsentExt: 'Absent' }
        }
      ]
    }
  }
  const split = splitLayers(project, manifestEntries(withExtensions))

  it("extensions of own packages, and those an own package triggers; not the others'", () => {
    assert.deepEqual(
      split.extensions.map((e) => [e.name, e.parent.name, e.triggers.map((t) => t.name)]),
      [
        ['RulesPrintfExt', 'Rules', ['Printf']],
        ['TableRulesExt', 'Table', ['Rules', 'Printf']]
      ]
    )
    // the rest of the split is as without extensions
    assert.deepEqual(
      split.own.map((p) => p.name),
      ['Rules', 'Report', 'App']
    )
  })

  it("the project's own extensions come from its Project.toml (not in its manifest before 1.12)", () => {
    const projectToml = {
      name: 'App',
      uuid: uuid(1).toUpperCase(),
      weakdeps: { Printf: uuid(5) },
      extensions: { AppPrintfExt: ['Printf'], AppGoneExt: 'Gone' }
    }
    const entries = withProjectExtensions(manifestEntries(manifest), projectToml)
    const own = splitLayers(project, entries)
    assert.deepEqual(
      own.extensions.map((e) => [e.name, e.parent.name, e.triggers.map((t) => t.name)]),
      [['AppPrintfExt', 'App', ['Printf']]]
    )
    assert.deepEqual(
      own.own.map((p) => p.name),
      ['Rules', 'Report', 'App']
    )
    // from 1.12 the manifest lists the project (`path = "."`): that entry gets them
    const listed = manifestEntries({
      ...manifest,
      deps: { ...manifest.deps, App: [{ uuid: uuid(1), path: '.', deps: ['Rules'] }] }
    })
    const onEntry = withProjectExtensions(listed, projectToml)
    assert.equal(onEntry.length, listed.length)
    assert.deepEqual(
      splitLayers(project, onEntry).extensions.map((e) => e.name),
      ['AppPrintfExt']
    )
    // a project that is no package has none
    assert.equal(withProjectExtensions(listed, { deps: {} }), listed)
  })
})

/** The key fields of a layer besides its facts: one Julia build, platform and target. */
const keyBase = {
  prefix: '',
  julia: { version: '1.10.8', build: 'commit:abc' },
  os: 'linux',
  arch: 'x86_64',
  cpuTarget: 'native',
  files: []
}

describe('layer keys', () => {
  const base = keyBase
  it('each kind has its own key, and every fact changes it', () => {
    const facts = [['resolved', uuid(4), 'Table', '1.0.0', 'a'.repeat(40)]]
    const deps = layerCacheKey('deps', { ...base, facts })
    assert.match(deps, /^julia-sysimage-deps-linux-x86_64-julia-1\.10\.8-[0-9a-f]{40}$/)
    assert.notEqual(deps, layerCacheKey('own', { ...base, facts }))
    assert.notEqual(
      deps,
      layerCacheKey('deps', {
        ...base,
        facts: [['resolved', uuid(4), 'Table', '1.1.0', 'd'.repeat(40)]]
      })
    )
    assert.notEqual(
      deps,
      layerCacheKey('deps', {
        ...base,
        facts,
        files: [{ role: 'preferences', relativePath: 'LocalPreferences.toml', sha256: '1' }]
      })
    )
  })
})

describe('the dependency image key and what the image holds', () => {
  const base = keyBase
  const keyOf = (m: typeof manifest, projectToml: Record<string, unknown> = {}) =>
    layerCacheKey('deps', {
      ...base,
      facts: dependencyKeyFacts(
        splitLayers(project, manifestEntries(m)),
        'Manifest.toml',
        projectPreferencesFact(projectToml)
      )
    })
  const withUnits = (version: string, treeHash: string) => ({
    ...manifest,
    deps: { ...manifest.deps, Units: [unitsEntry(version, treeHash)] }
  })

  it('a new version of a package reached only through own code gives a new key', () => {
    assert.notEqual(keyOf(manifest), keyOf(withUnits('1.1.0', 'f'.repeat(40))))
    assert.equal(keyOf(manifest), keyOf(withUnits('1.0.0', 'e'.repeat(40))))
  })

  it("the project file's [preferences] are in the key, in any order", () => {
    const prefs = { preferences: { Table: { backend: 'fast', level: 2 } } }
    assert.notEqual(keyOf(manifest), keyOf(manifest, prefs))
    assert.notEqual(
      keyOf(manifest, prefs),
      keyOf(manifest, { preferences: { Table: { backend: 'safe', level: 2 } } })
    )
    assert.equal(
      keyOf(manifest, prefs),
      keyOf(manifest, { name: 'Other', preferences: { Table: { level: 2, backend: 'fast' } } })
    )
  })

  it('a restored image is refused when the manifest resolves a package it holds differently', () => {
    const entries = manifestEntries(manifest)
    const held = heldPackages(
      [
        { name: 'Table', uuid: uuid(4) },
        { name: 'Units', uuid: uuid(7).toUpperCase() },
        { name: 'Printf', uuid: uuid(5) },
        { name: 'Logging', uuid: uuid(9) } // loaded from outside the manifest (a stdlib)
      ],
      entries
    )
    assert.deepEqual(
      held.map((p) => [p.name, p.version, p.treeHash]),
      [
        ['Table', '1.0.0', 'a'.repeat(40)],
        ['Printf', undefined, undefined],
        ['Units', '1.0.0', 'e'.repeat(40)],
        ['Logging', undefined, undefined]
      ]
    )
    assert.equal(heldPackagesMismatch(held, entries), undefined)
    assert.match(
      heldPackagesMismatch(held, manifestEntries(withUnits('1.1.0', 'f'.repeat(40)))) ?? '',
      /Units 1\.0\.0 \(the manifest now has 1\.1\.0 f{40}\)/
    )
    const developed = {
      ...manifest,
      deps: { ...manifest.deps, Table: [{ uuid: uuid(4), path: 'dev/Table', deps: [] }] }
    }
    assert.match(
      heldPackagesMismatch(held, manifestEntries(developed)) ?? '',
      /Table 1\.0\.0 \(now developed at dev\/Table\)/
    )
    const rest: Partial<typeof manifest.deps> = { ...manifest.deps }
    delete rest.Units
    assert.match(
      heldPackagesMismatch(held, manifestEntries({ ...manifest, deps: rest })) ?? '',
      /Units 1\.0\.0 \(no longer in the manifest\)/
    )
  })
})

describe('the workload package', () => {
  it('statements are hex-encoded, so no traced text becomes source code', () => {
    const text = statementsSourceText(['precompile(Tuple{typeof(f), Val{"a\\"$(x)"}})'])
    assert.doesNotMatch(text, /precompile|\$\(x\)/)
    const hex = /"([0-9a-f]+)"/.exec(text)![1]
    assert.equal(
      Buffer.from(hex, 'hex').toString('utf8'),
      'precompile(Tuple{typeof(f), Val{"a\\"$(x)"}})'
    )
  })
  it('its environment maps its dependencies by uuid and points at its source', () => {
    const env = workloadEnvironment([{ name: 'App', uuid: uuid(1) }])
    const parsed = parseToml(env.manifest) as {
      deps: Record<string, { path: string; uuid: string; deps: Record<string, string> }[]>
    }
    const entry = parsed.deps[workloadPackage.name][0]
    assert.equal(entry.uuid, workloadPackage.uuid)
    assert.equal(entry.path, `../depot/dev/${workloadPackage.name}`)
    assert.deepEqual({ ...entry.deps }, { App: uuid(1) })
  })
  it('the hook configuration names triggers and the workload package', () => {
    assert.equal(
      hookConfigText([{ name: 'App', uuid: uuid(1) }], true),
      `trigger\t${uuid(1)}\tApp\nworkload\t${workloadPackage.uuid}\t${workloadPackage.name}\n`
    )
  })
  it('re-basing is suggested past a quarter of the dependency image, at least 200', () => {
    assert.equal(rebaseBound(100), 200)
    assert.equal(rebaseBound(2000), 500)
  })
  it('a statement names an own package only by its whole module name', () => {
    const own = ['Ledger']
    assert.ok(namesAny('precompile(Tuple{typeof(Ledger.main), Int64})', own))
    assert.ok(namesAny('precompile(Tuple{Base.Generator{Ledger.var"#3#4"}})', own))
    assert.ok(!namesAny('precompile(Tuple{typeof(LedgerRules.check)})', own))
    assert.ok(!namesAny('precompile(Tuple{typeof(MyLedger.main)})', own))
    assert.ok(!namesAny('precompile(Tuple{typeof(Base.sum), Array{Int64, 1}})', own))
  })
  it('a re-based dependency image goes to the generation after the one restored', () => {
    assert.equal(nextGenerationKey('k-abc', 'k-abc'), 'k-abc-2')
    assert.equal(nextGenerationKey('k-abc', 'k-abc-2'), 'k-abc-3')
    assert.equal(nextGenerationKey('k-abc', 'k-abc-9'), 'k-abc-10')
  })
})

describe('parseLayersReport', () => {
  it('reads each package and a failure', () => {
    const report = parseLayersReport(
      'package\tA\tprecompiled\t0.5\t/d/A.ji\npackage\tB\tbuilt\t2\t/d/B.ji\nfailed\tC\n'
    )
    assert.deepEqual(
      report.images.map((i) => [i.name, i.status, i.seconds]),
      [
        ['A', 'precompiled', 0.5],
        ['B', 'built', 2]
      ]
    )
    assert.equal(report.failed, 'C')
  })
})

describe('source times (Julia 1.10)', () => {
  it('an unchanged file gets its recorded time back in whole seconds; a changed file is never touched', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'layers-mtimes-'))
    try {
      await fs.mkdir(path.join(dir, 'src'))
      const same = path.join(dir, 'src', 'Same.jl')
      const edited = path.join(dir, 'src', 'Edited.jl')
      await fs.writeFile(same, 'module Same end\n')
      await fs.writeFile(edited, 'module Edited end\n')
      await fs.utimes(same, 1_700_000_000.25, 1_700_000_000.75)
      await fs.utimes(edited, 1_700_000_000.25, 1_700_000_000.75)
      const record = await recordSourceTimes(dir, ['src/Same.jl', 'src/Edited.jl'])
      // a fresh checkout: new times everywhere, one file's content changed
      await fs.utimes(same, 1_800_000_000, 1_800_000_000)
      await fs.writeFile(edited, 'module Edited; x = 1; end\n')
      const editedTime = (await fs.stat(edited)).mtimeMs
      const result = await restoreSourceTimes(dir, record)
      assert.deepEqual(result, {
        restored: ['src/Same.jl'],
        changed: ['src/Edited.jl'],
        refused: []
      })
      assert.equal((await fs.stat(same)).mtimeMs, 1_700_000_000_000)
      assert.equal((await fs.stat(edited)).mtimeMs, editedTime)
      // a second pass finds nothing to do
      assert.deepEqual(await restoreSourceTimes(dir, record), {
        restored: [],
        changed: ['src/Edited.jl'],
        refused: []
      })
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})

describe('source times for the whole checkout', () => {
  it("a monorepo's path package beside the project is covered; a package outside the checkout never", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'layers-checkout-'))
    try {
      // repo/.git, repo/app (the project, a package), repo/lib/Rules (dev'ed by app),
      // and outside/Far (dev'ed too, outside the checkout)
      const repo = path.join(root, 'repo')
      const app = path.join(repo, 'app')
      for (const dir of ['.git', 'app/src', 'lib/Rules/src'])
        await fs.mkdir(path.join(repo, dir), { recursive: true })
      await fs.mkdir(path.join(root, 'outside', 'Far', 'src'), { recursive: true })
      await fs.writeFile(path.join(app, 'src', 'App.jl'), 'module App end\n')
      await fs.writeFile(path.join(repo, 'lib', 'Rules', 'src', 'Rules.jl'), 'module Rules end\n')
      await fs.writeFile(path.join(root, 'outside', 'Far', 'src', 'Far.jl'), 'module Far end\n')
      const checkout = await checkoutRoot(app, {})
      assert.equal(checkout, repo)
      // without .git: the workspace when the project is inside it, else the project
      await fs.rm(path.join(repo, '.git'), { recursive: true })
      assert.equal(await checkoutRoot(app, { GITHUB_WORKSPACE: repo }), repo)
      assert.equal(await checkoutRoot(app, { GITHUB_WORKSPACE: path.join(root, 'other') }), app)
      const entries = manifestEntries({
        manifest_format: '2.0',
        deps: {
          Rules: [{ uuid: uuid(2), path: '../lib/Rules', deps: [] }],
          Far: [{ uuid: uuid(3), path: '../../outside/Far', deps: [] }]
        }
      })
      const files = await ownSourceFiles(
        { dir: app, ownPackage: 'App', manifestFile: path.join(app, 'Manifest.toml') },
        { entries, ownUuids: new Set([uuid(2), uuid(3)]) },
        checkout
      )
      assert.deepEqual(files, ['app/src/App.jl', 'lib/Rules/src/Rules.jl'])
    } finally {
      await fs.rm(root, { recursive: true, force: true })
    }
  })

  it('a recorded name that leaves the checkout, or a link, is never touched', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'layers-refuse-'))
    try {
      const checkout = path.join(root, 'checkout')
      await fs.mkdir(checkout)
      const victim = path.join(root, 'victim.txt')
      await fs.writeFile(victim, 'x')
      await fs.symlink(victim, path.join(checkout, 'link.jl'))
      const before = (await fs.stat(victim)).mtimeMs
      const sha256 = await sha256File(victim)
      const record = ['../victim.txt', victim, 'a/../../victim.txt', 'link.jl'].map((file) => ({
        file,
        sha256,
        mtime: 1_000_000_000
      }))
      const result = await restoreSourceTimes(checkout, record)
      assert.deepEqual(result.refused, ['../victim.txt', victim, 'a/../../victim.txt'])
      assert.deepEqual(result.changed, ['link.jl'])
      assert.deepEqual(result.restored, [])
      assert.equal((await fs.stat(victim)).mtimeMs, before)
    } finally {
      await fs.rm(root, { recursive: true, force: true })
    }
  })
})

describe('where a layer is saved after a restore', () => {
  const key = 'julia-sysimage-own-linux-x86_64-julia-1.12.6-abc'
  const log = recordingLogger()
  it('a miss saves at the key; a restored layer Julia kept needs no save', () => {
    assert.equal(saveKeyAfterRestore(log, 'own', key, { saveKey: key }, true), key)
    assert.equal(
      saveKeyAfterRestore(log, 'own', key, { facts: {}, saveKey: key }, false),
      undefined
    )
  })
  it('a restored layer Julia rejected and rebuilt goes to the next generation, up to a bound', () => {
    assert.equal(
      saveKeyAfterRestore(log, 'own', key, { facts: {}, saveKey: key }, true),
      `${key}-2`
    )
    assert.equal(
      saveKeyAfterRestore(log, 'own', key, { facts: {}, saveKey: `${key}-2` }, true),
      `${key}-3`
    )
    assert.equal(
      saveKeyAfterRestore(
        log,
        'own',
        key,
        { facts: {}, saveKey: `${key}-${maxLayerGenerations}` },
        true
      ),
      undefined
    )
    assert.match(
      log.lines.join('\n'),
      /warning: Julia rejected .* 5 generations of .* exist, so this one is not saved/
    )
  })
})
