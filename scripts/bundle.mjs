// Bundles the action and the CLI into dist/ with @vercel/ncc, from the JavaScript that
// `tsc -p tsconfig.build.json` writes to lib/ (type checking stays with tsc). Both bundles find the Julia
// scripts and the example project two folders up (dist/<entry>/index.js → repo root), exactly
// as the sources do (src/<folder>/<module>.ts), so dist/ carries no copies of them.
import ncc from '@vercel/ncc'
import { execFileSync } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createRequire } from 'node:module'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
await rm('lib', { recursive: true, force: true })
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' })

const entries = {
  action: 'lib/index.js',
  cli: 'lib/cli/index.js'
}

await rm('dist', { recursive: true, force: true })
for (const [name, entry] of Object.entries(entries)) {
  const { code, assets } = await ncc(path.resolve(entry), {
    minify: false,
    sourceMap: false,
    license: 'licenses.txt',
    quiet: true,
    target: 'es2022'
  })
  const out = path.join('dist', name)
  await mkdir(out, { recursive: true })
  await writeFile(path.join(out, 'index.js'), code, { mode: name === 'cli' ? 0o755 : 0o644 })
  for (const [file, asset] of Object.entries(assets ?? {})) {
    await mkdir(path.dirname(path.join(out, file)), { recursive: true })
    await writeFile(path.join(out, file), asset.source)
  }
  console.log(
    `dist/${name}/index.js ${(code.length / 1024).toFixed(0)} KiB, ${Object.keys(assets ?? {}).length} assets`
  )
}
