/**
 * Parses the "key<TAB>value" lines the Julia scripts write (Julia 1.5 has no JSON writer).
 * Later keys overwrite earlier ones; see `parseKeyValueRows` for repeated keys.
 */
export function parseKeyValue(text: string): Map<string, string> {
  const result = new Map<string, string>()
  for (const row of parseKeyValueRows(text)) result.set(row[0], row.slice(1).join('\t'))
  return result
}

/** Every line split on tabs; lines without a tab are ignored. */
export function parseKeyValueRows(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.includes('\t'))
    .map((line) => line.split('\t'))
}
