import assert from 'node:assert/strict'
import {EventEmitter} from 'node:events'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {childEnv, exitStatus, FORWARDED_SIGNALS, runChild, type Spawn} from '../src/lib/bridge.js'
import {fakeSpawn, FakeChild, tempDir} from './helpers.js'

describe('runChild', () => {
  it('spawns the command with the argv array, no shell, stdio inherited and the given env', async () => {
    const {calls, spawn} = fakeSpawn({code: 0})
    const env = {HEROKU_API_KEY: 'k', PATH: '/bin'}
    const args = ['check', '--app=my app; rm -rf /', '--json']
    assert.equal(await runChild('/bin/zdd', args, {env, signals: new EventEmitter(), spawn}), 0)
    assert.equal(calls.length, 1)
    assert.equal(calls[0].command, '/bin/zdd')
    assert.deepEqual(calls[0].args, args)
    assert.equal(calls[0].options.shell, false)
    assert.equal(calls[0].options.stdio, 'inherit')
    assert.equal(calls[0].options.env, env)
  })

  it('passes the exit code through', async () => {
    for (const code of [0, 1, 2, 3, 4, 130]) {
      const {spawn} = fakeSpawn({code})
      assert.equal(await runChild('zdd', [], {env: {}, signals: new EventEmitter(), spawn}), code)
    }
  })

  it('reports a child killed by a signal as 128 + its number, like a shell', async () => {
    const {spawn} = fakeSpawn({signal: 'SIGTERM'})
    assert.equal(await runChild('zdd', [], {env: {}, signals: new EventEmitter(), spawn}), 143)
    assert.equal(exitStatus(null, 'SIGINT'), 130)
    assert.equal(exitStatus(null, null), 1)
  })

  it('forwards SIGINT, SIGTERM and SIGHUP to the child while it runs, and stops listening after', async () => {
    const signals = new EventEmitter()
    const child = new FakeChild()
    const spawn = (() => child) as unknown as Spawn
    const running = runChild('zdd', [], {env: {}, signals, spawn})
    for (const signal of FORWARDED_SIGNALS) assert.equal(signals.listenerCount(signal), 1)
    signals.emit('SIGINT')
    signals.emit('SIGTERM')
    signals.emit('SIGHUP')
    assert.deepEqual(child.killed, ['SIGINT', 'SIGTERM', 'SIGHUP'])
    child.exit(4)
    assert.equal(await running, 4)
    for (const signal of FORWARDED_SIGNALS) assert.equal(signals.listenerCount(signal), 0)
  })

  it("sets the CLI's own signal handlers aside while zdd runs, and puts them back after", async () => {
    const signals = new EventEmitter()
    const cliExits: string[] = []
    const cliHandler = () => cliExits.push('exit(1)') // what the CLI's telemetry handler does
    signals.on('SIGINT', cliHandler)
    signals.on('SIGTERM', cliHandler)
    const child = new FakeChild()
    const running = runChild('zdd', [], {env: {}, signals, spawn: (() => child) as unknown as Spawn})
    signals.emit('SIGINT')
    signals.emit('SIGTERM')
    assert.deepEqual(cliExits, [])
    assert.deepEqual(child.killed, ['SIGINT', 'SIGTERM'])
    child.exit(4)
    assert.equal(await running, 4)
    assert.deepEqual(signals.listeners('SIGINT'), [cliHandler])
    assert.deepEqual(signals.listeners('SIGTERM'), [cliHandler])
    assert.deepEqual(signals.listeners('SIGHUP'), [])
  })

  it('rejects when the command cannot start, and stops listening', async () => {
    const signals = new EventEmitter()
    const spawn = (() => {
      const child = new FakeChild()
      setImmediate(() => child.emit('error', Object.assign(new Error('spawn zdd ENOENT'), {code: 'ENOENT'})))
      return child
    }) as unknown as Spawn
    await assert.rejects(runChild('zdd', [], {env: {}, signals, spawn}), /ENOENT/)
    assert.equal(signals.listenerCount('SIGINT'), 0)
  })

  it('runs a real child: its exit code, and a forwarded SIGTERM it handles', async () => {
    const env = {...process.env}
    assert.equal(await runChild(process.execPath, ['-e', 'process.exit(7)'], {env, signals: new EventEmitter()}), 7)
    const ready = join(tempDir(), 'ready')
    const script =
      "process.on('SIGTERM', () => process.exit(42)); " +
      `require('node:fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000)`
    const signals = new EventEmitter()
    const running = runChild(process.execPath, ['-e', script], {env, signals})
    while (!existsSync(ready)) await new Promise(resolve => setTimeout(resolve, 20))
    signals.emit('SIGTERM')
    assert.equal(await running, 42)
  })
})

describe('childEnv', () => {
  it('adds the token as HEROKU_API_KEY and the host, keeping the rest', () => {
    const base = {HEROKU_APP: 'a', PATH: '/bin'}
    assert.deepEqual(childEnv(base, {host: 'http://127.0.0.1:5000', token: 't0k'}), {
      HEROKU_API_KEY: 't0k',
      HEROKU_APP: 'a',
      HEROKU_HOST: 'http://127.0.0.1:5000',
      PATH: '/bin',
    })
    assert.deepEqual(base, {HEROKU_APP: 'a', PATH: '/bin'})
  })

  it('adds nothing when the CLI has no token or host', () => {
    assert.deepEqual(childEnv({PATH: '/bin'}, {}), {PATH: '/bin'})
  })
})
