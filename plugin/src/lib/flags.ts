// zdd's flags as oclif flag definitions, and parsed oclif flags back as zdd's argv.
//
// `-a/--app` and `-r/--remote` are the Heroku CLI's own (flags.app / flags.remote), so the app
// resolves as in every `heroku` command (-a, HEROKU_APP, -r, the git remote); zdd is given the
// result as `--app NAME`, never `--remote`. Flags zdd does not know are not defined, so oclif
// refuses them (strict parsing).
import {flags as herokuFlags} from '@heroku-cli/command'
import {Flags} from '@oclif/core'

import type {CommandSpec, FlagSpec} from './spec.js'

/** Short letters the Heroku CLI gives another meaning: -a app, -r remote, -h help. */
export const RESERVED_SHORTS: Readonly<Record<string, string>> = {a: 'app', h: 'help', r: 'remote'}

/** Flags the plugin defines itself with the Heroku CLI's semantics. */
const HEROKU_OWNED = new Set(['app', 'remote'])

type FlagDefinitions = Record<string, any>

function shortFor(flag: FlagSpec): string | undefined {
  const {short} = flag
  if (!short) return undefined
  const owner = RESERVED_SHORTS[short]
  return owner === undefined || owner === flag.name ? short : undefined
}

export function oclifFlags(command: CommandSpec): FlagDefinitions {
  const defs: FlagDefinitions = {}
  const app = command.flags.find(f => f.name === 'app')
  if (app) {
    defs.app =
      app.kind === 'list'
        ? herokuFlags.app({description: app.help, multiple: true})
        : herokuFlags.app({description: app.help})
    defs.remote = herokuFlags.remote()
  }

  for (const flag of command.flags) {
    if (HEROKU_OWNED.has(flag.name)) continue
    const char = shortFor(flag) as any
    const common = {char, description: flag.help}
    switch (flag.kind) {
      case 'boolean': {
        defs[flag.name] = Flags.boolean({...common, allowNo: flag.negatable})
        break
      }

      case 'list': {
        defs[flag.name] = Flags.string({...common, multiple: true})
        break
      }

      default: {
        // zdd checks values (and names what is wrong), so numbers pass through as typed.
        defs[flag.name] = Flags.string({...common, helpValue: `<${flag.kind === 'string' ? 'value' : flag.kind}>`})
      }
    }
  }

  return defs
}

/** The flags typed on the command line (oclif's raw tokens), not taken from the environment. */
export function typedFlags(raw: ReadonlyArray<{flag?: string; type: string}>): Set<string> {
  return new Set(raw.flatMap(token => (token.type === 'flag' && token.flag ? [token.flag] : [])))
}

/**
 * The argv for `zdd <command>`: only the flags the user gave (zdd applies its own defaults).
 * `typed` names the flags on the command line (not from HEROKU_APP or the git remote).
 */
export function zddArgv(command: CommandSpec, flags: Record<string, unknown>, typed: ReadonlySet<string>): string[] {
  const argv: string[] = [command.name]
  for (const flag of command.flags) {
    if (flag.name === 'remote') continue
    const value = flags[flag.name]
    if (value === undefined) continue
    if (flag.name === 'app' && !typed.has('app') && flags.all === true) {
      // The CLI found an app in HEROKU_APP or the git remote, but the user asked for --all.
      continue
    }

    if (flag.kind === 'boolean') {
      if (value === true) argv.push(`--${flag.name}`)
      else if (flag.negatable) argv.push(`--no-${flag.name}`)
      continue
    }

    for (const item of Array.isArray(value) ? value : [value]) argv.push(`--${flag.name}=${String(item)}`)
  }

  return argv
}
