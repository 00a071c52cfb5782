// The commands as the Heroku CLI runs them (oclif parsing, @heroku-cli/command's login), with the
// child process stubbed: what zdd would be started with, and what the plugin prints.
import {Config} from '@oclif/core'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {spec} from '../src/generated/zdd.js'
import {io} from '../src/lib/command.js'
import type {CommandSpec} from '../src/lib/spec.js'
import {executable, fakeSpawn, tempDir} from './helpers.js'

const pluginRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const TOKEN = 'cli-held-token-5f1c0d2e'
const saved = {env: {...process.env}, io: {...io}}

async function commandClass(command: CommandSpec) {
  const file = command.default ? 'index' : command.name
  return (await import(`../src/commands/zdd/${file}.js`)).default
}

/** Run `heroku zdd:<command> argv` in-process; returns what was spawned and printed. */
async function run(command: CommandSpec, argv: string[], result: {code?: number; signal?: NodeJS.Signals} = {code: 0}) {
  const {calls, spawn} = fakeSpawn(result)
  io.spawn = spawn
  const printed: string[] = []
  const writes = {err: process.stderr.write, out: process.stdout.write}
  const capture = (chunk: unknown) => {
    printed.push(String(chunk))
    return true
  }

  process.stdout.write = capture as typeof process.stdout.write
  process.stderr.write = capture as typeof process.stderr.write
  let error: any
  try {
    const config = await Config.load(pluginRoot)
    await (await commandClass(command)).run(argv, config)
  } catch (error_) {
    error = error_
  } finally {
    process.stdout.write = writes.out
    process.stderr.write = writes.err
  }

  const exitCode = process.exitCode
  process.exitCode = undefined
  return {calls, error, exitCode, printed: printed.join('')}
}

/** The CLI logged in the way users are: a netrc entry it reads itself (HEROKU_API_KEY unset). */
function loginWithNetrc(machine: string): void {
  const home = tempDir()
  writeFileSync(join(home, '.netrc'), `machine ${machine}\n  login dev@example.com\n  password ${TOKEN}\n`, {mode: 0o600})
  mkdirSync(join(home, '.cache'), {recursive: true})
  process.env.HOME = home
  process.env.XDG_CACHE_HOME = join(home, '.cache')
  process.env.XDG_CONFIG_HOME = join(home, '.config')
  process.env.XDG_DATA_HOME = join(home, '.local', 'share')
  process.env.HEROKU_NETRC_WRITE = 'true' // netrc only: this machine has no OS keychain to ask
}

beforeEach(() => {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('HEROKU_') || key.startsWith('ZDD_')) delete process.env[key]
  }

  process.env.DISABLE_TELEMETRY = 'true'
  process.env.ZDD_BIN = executable(tempDir(), 'zdd')
  loginWithNetrc('api.heroku.com')
})

afterEach(() => {
  // In place: os.homedir() reads the real environment, which a new process.env object would not be.
  for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key]
  Object.assign(process.env, saved.env)
  Object.assign(io, saved.io)
})

/** Every flag of a command given on the command line, and what zdd must receive for it. */
function everyFlag(command: CommandSpec): {argv: string[]; expected: string[]} {
  const argv: string[] = []
  const expected: string[] = [command.name]
  for (const flag of command.flags) {
    if (flag.name === 'remote') continue
    if (flag.name === 'app') {
      argv.push('-a', 'my-app')
      expected.push('--app=my-app')
      if (flag.kind === 'list') {
        argv.push('--app', 'other app')
        expected.push('--app=other app')
      }
    } else if (flag.kind === 'boolean') {
      const given = flag.negatable ? `--no-${flag.name}` : `--${flag.name}`
      argv.push(given)
      expected.push(given)
    } else if (flag.kind === 'list') {
      argv.push(`--${flag.name}`, 'one', `--${flag.name}=two`)
      expected.push(`--${flag.name}=one`, `--${flag.name}=two`)
    } else {
      argv.push(`--${flag.name}`, `value of ${flag.name}`)
      expected.push(`--${flag.name}=value of ${flag.name}`)
    }
  }

  return {argv, expected}
}

const appArgs = (command: CommandSpec) => (command.flags.some(f => f.name === 'app') ? ['-a', 'my-app'] : [])

describe('every zdd command through the plugin', () => {
  it('covers every zdd command (setup is `heroku zdd`)', () => {
    const names = spec.commands.map(c => c.name)
    assert.ok(names.includes('setup') && names.includes('check') && names.includes('undo') && names.includes('verify'))
    assert.deepEqual(spec.commands.filter(c => c.default).map(c => c.name), ['setup'])
  })

  for (const command of spec.commands) {
    it(`${command.name}: every flag reaches zdd as given, the CLI's token only in the env`, async () => {
      const {argv, expected} = everyFlag(command)
      const {calls, error, printed} = await run(command, argv)
      assert.equal(error, undefined, String(error?.stack))
      assert.equal(calls.length, 1)
      assert.equal(calls[0].command, process.env.ZDD_BIN)
      assert.deepEqual(calls[0].args, expected)
      assert.equal(calls[0].options.shell, false)
      assert.equal(calls[0].options.stdio, 'inherit')
      assert.equal(calls[0].options.env?.HEROKU_API_KEY, TOKEN)
      assert.ok(!calls[0].args.some(a => a.includes(TOKEN)), 'token on argv')
      assert.ok(!printed.includes(TOKEN), 'token printed')
    })

    it(`${command.name}: refuses a flag zdd does not know, without starting zdd`, async () => {
      const {calls, error} = await run(command, [...appArgs(command), '--bogus'])
      assert.match(String(error?.message), /Nonexistent flag: --bogus\n/)
      assert.equal(calls.length, 0)
    })

    it(`${command.name}: passes zdd's exit code and a signal death through`, async () => {
      for (const code of [0, 1, 2, 3]) {
        const {error, exitCode} = await run(command, appArgs(command), {code})
        assert.equal(error, undefined)
        assert.equal(exitCode, code)
      }

      const {exitCode} = await run(command, appArgs(command), {signal: 'SIGINT'})
      assert.equal(exitCode, 130)
    })
  }
})

const byName = (name: string) => spec.commands.find(c => c.name === name)!

describe('the app, the login and the host', () => {
  it('passes HEROKU_HOST as the CLI resolved it and the token the CLI read from netrc for that host', async () => {
    loginWithNetrc('127.0.0.1:5999')
    process.env.HEROKU_HOST = 'http://127.0.0.1:5999'
    const {calls, printed} = await run(byName('check'), ['-a', 'x', '--json'])
    assert.deepEqual(calls[0].args, ['check', '--app=x', '--json'])
    assert.equal(calls[0].options.env?.HEROKU_HOST, 'http://127.0.0.1:5999')
    assert.equal(calls[0].options.env?.HEROKU_API_KEY, TOKEN)
    assert.equal(printed, '')
  })

  it('starts zdd without HEROKU_API_KEY when the CLI holds no login (zdd then says how to log in)', async () => {
    process.env.HOME = tempDir()
    const {calls} = await run(byName('check'), ['-a', 'x'])
    assert.equal(calls[0].options.env?.HEROKU_API_KEY, undefined)
  })

  it('resolves the app from HEROKU_APP like every heroku command', async () => {
    process.env.HEROKU_APP = 'from-env'
    const {calls} = await run(byName('setup'), ['--size', 'Standard-1X', '--yes'])
    assert.deepEqual(calls[0].args, ['setup', '--app=from-env', '--size=Standard-1X', '--yes'])
  })

  it('resolves the app from the git remote (and -r picks one of several) like every heroku command', async () => {
    const repo = tempDir()
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], {stdio: 'ignore'})
    git('init', '-q')
    git('remote', 'add', 'heroku', 'https://git.heroku.com/from-remote.git')
    const cwd = process.cwd()
    process.chdir(repo)
    try {
      assert.deepEqual((await run(byName('undo'), ['--yes'])).calls[0].args, ['undo', '--app=from-remote', '--yes'])
      git('remote', 'add', 'staging', 'https://git.heroku.com/from-staging.git')
      assert.deepEqual((await run(byName('undo'), ['-r', 'staging'])).calls[0].args, ['undo', '--app=from-staging'])
    } finally {
      process.chdir(cwd)
    }
  })

  it('check --all drops an app the CLI found by itself, but not one the user typed', async () => {
    process.env.HEROKU_APP = 'from-env'
    assert.deepEqual((await run(byName('check'), ['--all'])).calls[0].args, ['check', '--all'])
    assert.deepEqual((await run(byName('check'), ['-a', 'typed', '--all'])).calls[0].args, [
      'check',
      '--app=typed',
      '--all',
    ])
  })

  it('-r is the git remote, as in every heroku command, never passed to zdd', async () => {
    const {calls, error} = await run(byName('undo'), ['-r', 'no-such-remote'])
    assert.match(String(error?.message), /remote no-such-remote not found in git remotes/)
    assert.equal(calls.length, 0)
  })

  it('refuses a zdd of another version on PATH, without starting it', async () => {
    delete process.env.ZDD_BIN
    io.which = name => (name === 'zdd' ? '/opt/zdd/bin/zdd' : undefined)
    io.versionOf = async () => 'zdd 0.9.0'
    const {calls, error} = await run(byName('check'), ['-a', 'x'])
    assert.equal(error?.oclif?.exit, 2)
    assert.match(String(error?.message), /\/opt\/zdd\/bin\/zdd is zdd 0\.9\.0, but this plugin \(heroku-zdd 0\.1\.0\) needs zdd 0\.1\.x/)
    assert.equal(calls.length, 0)
  })

  it('with --json, reports that zdd is missing as one JSON document, as zdd reports errors', async () => {
    delete process.env.ZDD_BIN
    io.which = () => undefined
    const {calls, error, exitCode, printed} = await run(byName('check'), ['-a', 'x', '--json'])
    assert.equal(error, undefined)
    assert.equal(exitCode, 2)
    assert.equal(calls.length, 0)
    assert.deepEqual(JSON.parse(printed), {
      command: 'check',
      error: {
        message: 'zdd is not installed (no zdd, uvx or pipx on PATH).',
        remedy:
          'Install it with `pipx install zdd-heroku==0.1.0` (or `uv tool install zdd-heroku==0.1.0`), ' +
          'or set ZDD_BIN to the path of a zdd script.',
        type: 'ZddNotFoundError',
      },
      exit_code: 2,
      version: spec.json_version,
    })
  })

  it('runs uvx with the pinned release when zdd is not installed', async () => {
    delete process.env.ZDD_BIN
    io.which = name => (name === 'uvx' ? '/usr/bin/uvx' : undefined)
    const {calls} = await run(byName('check'), ['-a', 'x'])
    assert.equal(calls[0].command, '/usr/bin/uvx')
    assert.deepEqual(calls[0].args, ['--from', 'zdd-heroku==0.1.0', 'zdd', 'check', '--app=x'])
  })

  it('says how to install zdd when it cannot be found (exit 2)', async () => {
    delete process.env.ZDD_BIN
    io.which = () => undefined
    const {calls, error} = await run(byName('check'), ['-a', 'x'])
    assert.equal(error?.oclif?.exit, 2)
    assert.match(String(error?.message), /zdd is not installed .* `pipx install zdd-heroku==0\.1\.0`/)
    assert.equal(calls.length, 0)
  })
})
