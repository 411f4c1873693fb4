/**
 * Pure: the chained-image recipe of JuliaLang/julia PR #46045. The chained build's archive holds
 * only the new code (`text.o`) and the whole image's data (`data.o`); the base's code comes from
 * the base archive's `text.o`, renamed `text-old.o`, with its link table section removed (the
 * chained `text.o` carries the table for the whole image). The base's `data.o` is not used.
 */

/** The section that lists an image's functions for the loader; only the newest one may stay. */
export const linkTableSection = '.data.jl.sysimg_link'

/** Members of the archives, by the names Julia's `--output-o` writer gives them. */
export const textMember = 'text.o'
export const dataMember = 'data.o'
export const oldTextName = 'text-old.o'

/** `llvm-objcopy` arguments that drop the link table from the base's code, in place. */
export function removeLinkTableArgs(file: string): string[] {
  return [`--remove-section=${linkTableSection}`, file]
}

/** The objects linked into a chained image, in the recipe's order. */
export function chainedLinkObjects(join: (name: string) => string): string[] {
  return [join(textMember), join(dataMember), join(oldTextName)]
}
