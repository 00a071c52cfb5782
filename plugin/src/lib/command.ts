// One `heroku zdd:*` command per zdd command, built from zdd's own description (spec): the same
// summary, description and flags; running it runs `zdd <command> <flags>` with the CLI's login.
import {Command, vars} from '@heroku-cli/command'
import {existsSync, readFileSync} from 'node:fs'

import {spec} from '../generated/zdd.js'
import {runChild, type SignalSource, type Spawn, childEnv} from './bridge.js'
import {oclifFlags, typedFlags, zddArgv} from './flags.js'
import {findZdd, type Launcher, type ResolveDeps, versionOf, which, ZddNotFoundError} from './resolve.js'
import type {CommandSpec} from './spec.js'

/** Exit code for the plugin's own errors (zdd not found): zdd's code for configuration errors. */
export const CONFIG_ERROR_EXIT = 2

/** The processes and lookups the bridge uses; tests replace them. */
export const io: {
  signals: SignalSource
  spawn?: Spawn
  versionOf: ResolveDeps['versionOf']
  which: ResolveDeps['which']
} = {signals: process, spawn: undefined, versionOf, which}

/** This package's version (its package.json, found upward from here): zdd is pinned to it. */
export const pluginVersion: string = (() => {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir)
    if (!existsSync(file)) continue
    const pjson = JSON.parse(readFileSync(file, 'utf8'))
    if (pjson.name === 'heroku-zdd') return pjson.version
  }

  throw new Error('heroku-zdd: cannot find its package.json')
})()

export function commandSpec(name: string): CommandSpec {
  const found = spec.commands.find(c => c.name === name)
  if (!found) throw new Error(`zdd has no command ${name}; run \`invoke plugin\` to regenerate the plugin`)
  return found
}

export function bridgeCommand(name: string) {
  const zddCommand = commandSpec(name)
  return class ZddBridge extends Command {
    static baseFlags = Command.baseFlagsWithoutPrompt()
    static description = zddCommand.description
    static flags = oclifFlags(zddCommand)
    static promptFlagActive = false
    static strict = true
    static summary = zddCommand.summary

    async run(): Promise<void> {
      const {flags, raw} = await this.parse(ZddBridge)
      const argv = zddArgv(zddCommand, flags, typedFlags(raw))
      let launcher: Launcher
      try {
        launcher = await findZdd(spec.distribution, pluginVersion, {
          env: process.env,
          versionOf: io.versionOf,
          which: io.which,
        })
      } catch (error) {
        if (!(error instanceof ZddNotFoundError)) throw error
        return this.fail(flags, 'ZddNotFoundError', error.problem, error.remedy)
      }

      // The token init() read (HEROKU_API_KEY, keychain or netrc), and the host as the CLI reads it.
      const host = vars.envHost ? vars.host : undefined
      const env = childEnv(process.env, {host, token: this.heroku.auth})
      const args = [...launcher.prefix, ...argv]
      this.debug('running %s %o (zdd from %s)', launcher.command, args, launcher.source)
      let status: number
      try {
        status = await runChild(launcher.command, args, {env, signals: io.signals, spawn: io.spawn})
      } catch (error) {
        return this.fail(flags, 'SpawnError', `cannot start ${launcher.command}: ${(error as Error).message}.`, null)
      }

      // Not this.exit(): the CLI would print "Error: EEXIT: 1" (its ExitError is another copy's
      // class) and, with telemetry on, report zdd's findings (exit 1) as a CLI failure.
      process.exitCode = status
    }

    /** The plugin's own error (exit 2): with --json, as zdd reports errors, one JSON document. */
    fail(flags: Record<string, unknown>, type: string, message: string, remedy: null | string): void {
      if (flags.json !== true) this.error(remedy ? `${message} ${remedy}` : message, {exit: CONFIG_ERROR_EXIT})
      const doc = {command: zddCommand.name, error: {message, remedy, type}, exit_code: CONFIG_ERROR_EXIT}
      process.stdout.write(JSON.stringify({version: spec.json_version, ...doc}, null, 2) + '\n')
      process.exitCode = CONFIG_ERROR_EXIT
    }
  }
}
