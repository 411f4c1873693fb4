import { promises as fs } from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '../../util/atomic.js'
import { layerFolder, type LayerFolder } from './folder.js'

/**
 * The layer folder beside a layered image holds generations of layers and a pointer to the one
 * in use:
 *
 *   sysimage.layers/layers.txt   "generation<TAB>build-N" and "image<TAB>sysimage.so": the
 *                                generation in use and the image its layers belong to
 *   sysimage.layers/build-N/     a whole layer folder (see `LayerFolder`)
 *
 * The hook built into the image (julia/layer_hook.jl) finds the folder beside the image it
 * started with (`sysimage.so` → `sysimage.layers`) and follows the pointer.
 *
 * A build writes the other generation while the one in use stays untouched, then moves the image
 * in and switches the pointer (two renames, microseconds apart), then removes the old generation.
 * So a `julia` started during a build runs the previous set, and a killed build leaves the
 * previous set whole (and a partial generation that the next build clears).
 *
 * Why generations instead of building elsewhere and moving the folder in: Julia 1.10 records the
 * absolute path of the workload package's source in its package image and rejects the image when
 * that path changes (base/loading.jl `stale_cachefile`, `includes[1].filename`); 1.11 on records
 * paths inside a depot relative to it (`@depot`). A generation is built where it stays.
 */
export interface LayerRoot {
  root: string
  pointer: string
}

const generationNames = ['build-1', 'build-2'] as const

/** Pure: the layer root of an image, named after it so the two travel together. */
export function layerRootFor(image: string): LayerRoot {
  const { dir, name } = path.parse(image)
  const root = path.join(dir, `${name}.layers`)
  return { root, pointer: path.join(root, 'layers.txt') }
}

/**
 * Pure: the pointer file's text: the generation in use, and the image the layers belong to,
 * relative to the layer folder's parent (the hook leaves the layers out of any other image).
 */
export function pointerText(generation: string, image: string): string {
  return `generation\t${generation}\nimage\t${image}\n`
}

/** Pure: the generation a pointer names (the hook accepts the same names, nothing else). */
export function parsePointer(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const [key, value, ...rest] = line.split('\t')
    if (key === 'generation' && rest.length === 0 && /^build-[0-9]+$/.test(value ?? ''))
      return value
  }
  return undefined
}

/** Pure: the generation a build writes, given the one in use. */
export function nextGeneration(live: string | undefined): string {
  return live === generationNames[0] ? generationNames[1] : generationNames[0]
}

/**
 * The layers in use at a root: the generation its pointer names, or the root itself when it is a
 * layer folder of the layout before generations (depot/ and layers.txt at the top); undefined
 * when there is none.
 */
export async function liveLayers(
  root: LayerRoot
): Promise<{ generation?: string; folder: LayerFolder } | undefined> {
  const text = await fs.readFile(root.pointer, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const generation = parsePointer(text)
  if (generation === undefined) return { folder: layerFolder(root.root) }
  const folder = layerFolder(path.join(root.root, generation))
  return (await fs.stat(folder.config).catch(() => undefined)) ? { generation, folder } : undefined
}

/**
 * Points the root at `generation`, the layers of `image` (a path relative to the root's
 * parent), by one rename.
 */
export async function switchGeneration(
  root: LayerRoot,
  generation: string,
  image: string
): Promise<void> {
  await writeFileAtomic(root.pointer, pointerText(generation, image))
}

/**
 * Removes everything at the root but the pointer and the generation in use (a `hook.jl` that
 * earlier versions wrote for `-L` too: the hook is in the image now).
 */
export async function removeOtherGenerations(root: LayerRoot, keep: string): Promise<void> {
  const wanted = new Set([path.basename(root.pointer), keep])
  for (const name of await fs.readdir(root.root))
    if (!wanted.has(name)) await fs.rm(path.join(root.root, name), { recursive: true, force: true })
}
