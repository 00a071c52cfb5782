#!/usr/bin/env node
// Write oclif.manifest.json (what `oclif manifest` writes), so the Heroku CLI lists and helps
// the commands without importing them. @oclif/core computes it; the `oclif` dev tool is not needed.
import {Plugin} from '@oclif/core'
import {writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const plugin = new Plugin({errorOnManifestCreate: true, ignoreManifest: true, respectNoCacheDefault: true, root, type: 'core'})
await plugin.load()
const ids = Object.keys(plugin.manifest.commands)
if (ids.length === 0) throw new Error('no commands found in dist/commands: build first')
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n')
console.error(`oclif.manifest.json: ${ids.sort().join(', ')}`)
