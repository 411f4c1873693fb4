import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** The sha256 of a file's contents, as lower-case hex (streamed: images are hundreds of MB). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
