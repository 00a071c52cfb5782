// What `python -m zdd.describe` prints: zdd's commands and flags. The plugin's copy is
// src/generated/zdd.ts, written by scripts/generate.mjs; tests/plugin/test_describe.py fails
// when it drifts from zdd.

export type FlagKind = 'boolean' | 'integer' | 'list' | 'number' | 'string'

export interface FlagSpec {
  help: string
  kind: FlagKind
  name: string
  /** A boolean whose default is true: zdd takes `--no-NAME`. */
  negatable: boolean
  short: null | string
}

export interface CommandSpec {
  /** The task `zdd` runs when no command is named (setup): `heroku zdd`. */
  default: boolean
  description: string
  flags: FlagSpec[]
  name: string
  summary: string
}

export interface ZddSpec {
  commands: CommandSpec[]
  describe_version: number
  distribution: string
  /** The `version` field of zdd's --json documents. */
  json_version: number
  version: string
}
