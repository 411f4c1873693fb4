import path from 'node:path'

/**
 * Pure: whether `name`, a `/`-separated name from outside (a cache entry, an archive, a list of
 * files), stays inside the folder it is relative to: not empty, not absolute (`/x`, `C:x`, `\x`),
 * no `..`, `.` or empty segment.
 */
export function isRelativeInside(name: string): boolean {
  if (name === '' || /^[A-Za-z]:/.test(name) || name.includes('\\')) return false
  return name.split('/').every((segment) => segment !== '' && segment !== '..' && segment !== '.')
}

/** Whether the absolute path `inner` is `outer` or lies below it. */
export function isWithin(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}
