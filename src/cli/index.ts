#!/usr/bin/env node
import { cli } from './main.js'

process.exitCode = await cli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
  env: process.env
})
