import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { parse as parseToml } from 'smol-toml'
import {
  layeredRegistryPackages,
  writeLayeredProject,
  writeLocalRegistry,
  type LayeredProject,
  type RegistryInfo
} from '../helpers/local-registry.js'
import { canLayer, newDepot, testJulias, type TestJulia } from '../helpers/test-julia.js'

const execFileAsync = promisify(execFile)

interface ManifestEntry {
  uuid?: string
  version?: string
  path?: string
  'git-tree-sha1'?: string
}

/** The one entry for `name` in a manifest of format 2.0 (`[[deps.Name]]`). */
async function manifestEntry(manifest: string, name: string): Promise<ManifestEntry> {
  const toml = parseToml(await fs.readFile(manifest, 'utf8')) as {
    deps?: Record<string, ManifestEntry[]>
  }
  const entries = toml.deps?.[name]
  assert.equal(entries?.length, 1, `${manifest} has one entry for ${name}`)
  return entries[0]
}

/** `julia --project=<dir> <args>` as a user runs it: no image, the test's depot. */
async function runJulia(julia: TestJulia, depot: string, project: LayeredProject, args: string[]) {
  return execFileAsync(
    julia.executable,
    ['--startup-file=no', `--project=${project.dir}`, ...args],
    {
      env: julia.env(depot),
      maxBuffer: 16 * 1024 * 1024
    }
  )
}

/**
 * The fixture of the layered build mode, with the real Julias: a package project (Ledger)
 * whose dependencies TableKit and TextReports come from a registry in the test's depot,
 * served offline from local git repositories, beside a dev'ed path package (LedgerRules).
 */
for (const julia of testJulias()) {
  const skip =
    julia.skip ??
    (canLayer(julia)
      ? undefined
      : `${julia.label}: the layered fixture is for Julia ≥ 1.9 (package images)`)
  describe(`a project on a local registry (${julia.label})`, { skip }, () => {
    let root: string
    let depot: string
    let registry: RegistryInfo
    let project: LayeredProject

    before(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-layered-'))
      depot = newDepot()
      registry = await writeLocalRegistry(
        depot,
        path.join(root, 'repos'),
        layeredRegistryPackages()
      )
      project = await writeLayeredProject(julia.executable, julia.env(depot), root, {
        tableKitVersion: '1.0.0'
      })
    })
    after(async () => {
      await fs.rm(root, { recursive: true, force: true })
      await fs.rm(depot, { recursive: true, force: true })
    })

    it('the manifest has registry entries (version, git-tree-sha1) and a path entry', async () => {
      const tableKit = await manifestEntry(project.manifest, 'TableKit')
      assert.equal(tableKit.version, '1.0.0')
      assert.equal(tableKit['git-tree-sha1'], registry.packages.TableKit.versions['1.0.0'].treeHash)
      assert.equal(tableKit.path, undefined)
      const textReports = await manifestEntry(project.manifest, 'TextReports')
      assert.equal(textReports.version, '1.0.0')
      assert.equal(
        textReports['git-tree-sha1'],
        registry.packages.TextReports.versions['1.0.0'].treeHash
      )
      assert.equal(textReports.path, undefined)
      const rules = await manifestEntry(project.manifest, 'LedgerRules')
      assert.equal(rules.path, 'LedgerRules')
      assert.equal(rules['git-tree-sha1'], undefined)
      // Pkg cloned the repositories into the test's depot, and nowhere else
      assert.ok(existsSync(path.join(depot, 'clones', registry.packages.TableKit.uuid)))
      assert.ok((await fs.readdir(path.join(depot, 'packages', 'TableKit'))).length > 0)
      assert.ok((await fs.readdir(path.join(depot, 'packages', 'TextReports'))).length > 0)
    })

    it('the workload runs with plain `julia --project`, the greeting first', async () => {
      const { stdout } = await runJulia(julia, depot, project, [project.workload])
      assert.equal(stdout.split('\n')[0], 'ledger v1')
      assert.match(stdout, /all rules passed/)
      assert.match(stdout, /Generated with TableKit 1\.0\.0 /)
    })

    it('setTableKitVersion re-pins TableKit through Pkg, and the new version is what loads', async () => {
      await project.setTableKitVersion('1.1.0')
      const tableKit = await manifestEntry(project.manifest, 'TableKit')
      assert.equal(tableKit.version, '1.1.0')
      const treeHash = registry.packages.TableKit.versions['1.1.0'].treeHash
      assert.equal(tableKit['git-tree-sha1'], treeHash)
      assert.notEqual(treeHash, registry.packages.TableKit.versions['1.0.0'].treeHash)
      // TableKit alone, not the workload: loading Ledger would precompile all four packages again
      const { stdout } = await runJulia(julia, depot, project, [
        '-e',
        'using TableKit; println(TableKit.VERSION_NOTE)'
      ])
      assert.equal(stdout, 'TableKit 1.1.0\n')
    })

    it('RuleBook, a dependency of LedgerRules only, is pinned and moved without joining the project', async () => {
      const projectDeps = async () =>
        Object.keys(
          (parseToml(await fs.readFile(path.join(project.dir, 'Project.toml'), 'utf8')).deps ??
            {}) as Record<string, string>
        )
      const pinned = await manifestEntry(project.manifest, 'RuleBook')
      assert.equal(pinned.version, '1.0.0')
      assert.equal(pinned['git-tree-sha1'], registry.packages.RuleBook.versions['1.0.0'].treeHash)
      assert.ok(!(await projectDeps()).includes('RuleBook'))
      await project.setRuleBookVersion('1.1.0')
      const moved = await manifestEntry(project.manifest, 'RuleBook')
      assert.equal(moved.version, '1.1.0')
      assert.equal(moved['git-tree-sha1'], registry.packages.RuleBook.versions['1.1.0'].treeHash)
      assert.ok(!(await projectDeps()).includes('RuleBook'))
      const { stdout } = await runJulia(julia, depot, project, [
        '-e',
        'using LedgerRules; println(LedgerRules.RuleBook.EDITION)'
      ])
      assert.equal(stdout, 'RuleBook 1.1.0\n')
    })

    it('setGreeting writes a string literal Julia reads back as given', async () => {
      const greeting = 'ledger "v2" costs $5 \\o/'
      await project.setGreeting(greeting)
      // Julia's parser reads the line, so that `$` and quotes are proven escaped (an
      // interpolation would parse as an expression, not a string)
      const { stdout } = await execFileAsync(julia.executable, [
        '--startup-file=no',
        '-e',
        [
          'line = only(filter(startswith("const GREETING = "), readlines(ARGS[1])))',
          'value = Meta.parse(line).args[1].args[2]',
          'value isa String || error("not a string literal: ", value)',
          'print(value)'
        ].join('; '),
        project.ownSource
      ])
      assert.equal(stdout, greeting)
    })
  })
}
