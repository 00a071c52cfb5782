// zdd's flags as oclif definitions and back, on made-up commands (what zdd might grow next).
import assert from 'node:assert/strict'

import {oclifFlags, zddArgv} from '../src/lib/flags.js'
import type {CommandSpec, FlagSpec} from '../src/lib/spec.js'

const flag = (name: string, kind: FlagSpec['kind'], short: null | string = null, negatable = false): FlagSpec => ({
  help: `help for ${name}`,
  kind,
  name,
  negatable,
  short,
})

const command: CommandSpec = {
  default: false,
  description: '',
  flags: [
    flag('app', 'string', 'a'),
    flag('remote', 'string', 'r'),
    flag('restore-sizes', 'boolean', 'r'),
    flag('hint', 'string', 'h'),
    flag('about', 'string', 'a'),
    flag('json', 'boolean', 'j'),
    flag('preboot', 'boolean', null, true),
    flag('tag', 'list', 't'),
    flag('wait', 'integer', 'w'),
  ],
  name: 'future',
  summary: 'A command zdd might add.',
}

describe('oclifFlags', () => {
  const defs = oclifFlags(command)

  it('defines every zdd flag, plus the CLI’s app and remote', () => {
    assert.deepEqual(Object.keys(defs).sort(), [
      'about',
      'app',
      'hint',
      'json',
      'preboot',
      'remote',
      'restore-sizes',
      'tag',
      'wait',
    ])
    assert.equal(defs.app.env, 'HEROKU_APP')
    assert.equal(defs.remote.description, 'git remote of app to use')
  })

  it('keeps -a for the app and -r for the remote; drops zdd shorts that collide with them or -h', () => {
    assert.equal(defs.app.char, 'a')
    assert.equal(defs.remote.char, 'r')
    assert.equal(defs['restore-sizes'].char, undefined)
    assert.equal(defs.hint.char, undefined)
    assert.equal(defs.about.char, undefined)
    assert.equal(defs.json.char, 'j')
    assert.equal(defs.tag.char, 't')
  })

  it('takes --no-NAME only for booleans zdd negates, and repeats lists', () => {
    assert.equal(defs.preboot.allowNo, true)
    assert.equal(defs.json.allowNo, false)
    assert.equal(defs.tag.multiple, true)
    assert.equal(defs.wait.type, 'option')
    assert.equal(defs.wait.helpValue, '<integer>')
  })

  it('defines no app or remote for a command without --app', () => {
    const bare = oclifFlags({...command, flags: [flag('json', 'boolean', 'j')]})
    assert.deepEqual(Object.keys(bare), ['json'])
  })
})

describe('zddArgv', () => {
  const typed = new Set(['app'])

  it('passes only the flags given, values joined with = (a value may start with a dash)', () => {
    const argv = zddArgv(
      command,
      {about: '-x', app: 'my-app', json: true, preboot: false, remote: 'staging', tag: ['a', 'b'], wait: '30'},
      typed,
    )
    assert.deepEqual(argv, ['future', '--app=my-app', '--about=-x', '--json', '--no-preboot', '--tag=a', '--tag=b', '--wait=30'])
  })

  it('never passes --remote (the CLI turned it into the app)', () => {
    assert.deepEqual(zddArgv(command, {remote: 'staging'}, new Set(['remote'])), ['future'])
  })

  it('drops an app the CLI found by itself when --all is given, keeps a typed one', () => {
    const withAll: CommandSpec = {...command, flags: [flag('app', 'list', 'a'), flag('all', 'boolean', 'l')]}
    assert.deepEqual(zddArgv(withAll, {all: true, app: ['found']}, new Set(['all'])), ['future', '--all'])
    assert.deepEqual(zddArgv(withAll, {all: true, app: ['typed']}, new Set(['all', 'app'])), [
      'future',
      '--app=typed',
      '--all',
    ])
    assert.deepEqual(zddArgv(withAll, {app: ['found']}, new Set()), ['future', '--app=found'])
  })
})
