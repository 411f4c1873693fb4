import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'

/**
 * A test project that is itself a package (`Shop`: name, uuid, src/Shop.jl) and depends on a
 * path package (`Pricing`) whose `Artifacts.toml` names a real gzipped tarball served over HTTP.
 * Pricing's `__init__` fails without its artifact, as a `*_jll` package's does.
 */

const shopUuid = '5b0e0c4a-7b7e-4c55-9a41-3f0c2d1e6a11'
const pricingUuid = '0c1f2e3d-4a5b-4c6d-8e7f-8091a2b3c4d5'

/** Pure: git's id of a blob (the object hash Pkg's `tree_hash` builds trees from). */
function gitBlobId(content: Buffer): Buffer {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    .digest()
}

/** Pure: git's tree hash of a flat folder of regular (non-executable) files. */
export function gitTreeHash(files: Record<string, Buffer>): string {
  const entries = Object.keys(files)
    .sort()
    .map((name) => Buffer.concat([Buffer.from(`100644 ${name}\0`), gitBlobId(files[name])]))
  const body = Buffer.concat(entries)
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`tree ${body.length}\0`), body]))
    .digest('hex')
}

export interface PackageProject {
  dir: string
  workload: string
  /** The tarball to serve, and the URL path Artifacts.toml names. */
  tarball: string
  tarballPath: string
  /** Rewrites Shop's greeting (its own source, src/Shop.jl). */
  setGreeting(text: string): Promise<void>
}

function shopSource(greeting: string): string {
  return `module Shop
using Pricing
greeting() = ${JSON.stringify(greeting)}
label(x) = string(greeting(), ": ", Pricing.price_text(x))
end
`
}

/** Writes the project into `root` (a fresh folder); `serverUrl` serves the artifact. */
export async function writePackageProject(
  root: string,
  serverUrl: string
): Promise<PackageProject> {
  const dir = path.join(root, 'Shop')
  const pricing = path.join(dir, 'Pricing')
  await fs.mkdir(path.join(dir, 'src'), { recursive: true })
  await fs.mkdir(path.join(pricing, 'src'), { recursive: true })

  // the artifact: one file, packed with the system tar, hashed both ways Pkg checks
  const content = { 'rates.txt': Buffer.from('1.19\n') }
  const staging = path.join(root, 'artifact')
  await fs.mkdir(staging)
  await fs.writeFile(path.join(staging, 'rates.txt'), content['rates.txt'])
  const tarball = path.join(root, 'pricedata.tar.gz')
  const tar = spawnSync('tar', ['-czf', tarball, '-C', staging, 'rates.txt'])
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`)
  const sha256 = createHash('sha256')
    .update(await fs.readFile(tarball))
    .digest('hex')
  const treeHash = gitTreeHash(content)
  const tarballPath = '/artifacts/pricedata.tar.gz'

  await fs.writeFile(
    path.join(pricing, 'Project.toml'),
    `name = "Pricing"\nuuid = "${pricingUuid}"\nversion = "0.1.0"\n`
  )
  await fs.writeFile(
    path.join(pricing, 'Artifacts.toml'),
    `[pricedata]\ngit-tree-sha1 = "${treeHash}"\n\n    [[pricedata.download]]\n    url = "${serverUrl}${tarballPath}"\n    sha256 = "${sha256}"\n`
  )
  // Reads its artifact where Pkg installs it; no dependency on Pkg (Julia 1.5 has no Artifacts stdlib)
  await fs.writeFile(
    path.join(pricing, 'src', 'Pricing.jl'),
    `module Pricing
const TREE = ${JSON.stringify(treeHash)}
const RATE = Ref(0.0)
function __init__()
    for depot in DEPOT_PATH
        file = joinpath(depot, "artifacts", TREE, "rates.txt")
        if isfile(file)
            RATE[] = parse(Float64, readline(file))
            return
        end
    end
    error("Pricing: artifact $TREE is not installed; run Pkg.instantiate()")
end
price_text(x) = string(round(x * RATE[]; digits = 2), " EUR")
end
`
  )
  await fs.writeFile(
    path.join(dir, 'Project.toml'),
    `name = "Shop"\nuuid = "${shopUuid}"\nversion = "0.1.0"\n\n[deps]\nPricing = "${pricingUuid}"\n`
  )
  await fs.writeFile(
    path.join(dir, 'Manifest.toml'),
    `# This file is machine-generated - editing it directly is not advised\n\n[[Pricing]]\npath = "Pricing"\nuuid = "${pricingUuid}"\nversion = "0.1.0"\n`
  )
  const setGreeting = (text: string) =>
    fs.writeFile(path.join(dir, 'src', 'Shop.jl'), shopSource(text))
  await setGreeting('version one')
  const workload = path.join(dir, 'workload.jl')
  await fs.writeFile(workload, 'using Shop\nprintln(Shop.label(10))\n')
  return { dir, workload, tarball, tarballPath, setGreeting }
}
