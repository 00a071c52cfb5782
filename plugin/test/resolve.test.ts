import assert from 'node:assert/strict'
import {chmodSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {findZdd, majorMinor, type ResolveDeps, which, ZddNotFoundError} from '../src/lib/resolve.js'
import {executable, tempDir} from './helpers.js'

const DIST = 'zdd-heroku'
const VERSION = '0.1.0'

/** Lookups where only the named tools exist; `zdd --version` answers `zddVersion`. */
function deps(env: NodeJS.ProcessEnv, tools: Record<string, string>, zddVersion: Error | string = 'zdd 0.1.0') {
  const asked: string[] = []
  const d: ResolveDeps = {
    env,
    async versionOf(path) {
      asked.push(path)
      return zddVersion
    },
    which: name => tools[name],
  }
  return {asked, deps: d}
}

describe('finding zdd', () => {
  it('uses ZDD_BIN as given, before anything on PATH, without asking its version', async () => {
    const bin = executable(tempDir(), 'my-zdd')
    const {asked, deps: d} = deps({ZDD_BIN: bin}, {pipx: '/bin/pipx', uvx: '/bin/uvx', zdd: '/bin/zdd'})
    assert.deepEqual(await findZdd(DIST, VERSION, d), {command: bin, prefix: [], source: 'ZDD_BIN'})
    assert.deepEqual(asked, [])
  })

  it('refuses a ZDD_BIN that is not an executable file', async () => {
    const dir = tempDir()
    const plain = join(dir, 'not-executable')
    writeFileSync(plain, '')
    chmodSync(plain, 0o644)
    for (const bad of [join(dir, 'missing'), plain, dir]) {
      const {deps: d} = deps({ZDD_BIN: bad}, {zdd: '/bin/zdd'})
      await assert.rejects(findZdd(DIST, VERSION, d), (error: Error) => {
        assert.ok(error instanceof ZddNotFoundError)
        assert.match(error.message, new RegExp(`ZDD_BIN=${bad} is not an executable file`))
        return true
      })
    }
  })

  it('uses zdd on PATH when its major.minor matches the plugin', async () => {
    for (const answer of ['zdd 0.1.0', 'zdd 0.1.7\n', 'zdd 0.1.0rc1']) {
      const {asked, deps: d} = deps({}, {uvx: '/bin/uvx', zdd: '/opt/bin/zdd'}, answer)
      assert.deepEqual(await findZdd(DIST, VERSION, d), {command: '/opt/bin/zdd', prefix: [], source: 'PATH'})
      assert.deepEqual(asked, ['/opt/bin/zdd'])
    }
  })

  it('refuses a zdd on PATH of another version, naming both versions and the fix', async () => {
    for (const answer of ['zdd 0.2.0', 'zdd 1.1.0', 'zdd 0.10.0']) {
      const {deps: d} = deps({}, {uvx: '/bin/uvx', zdd: '/opt/bin/zdd'}, answer)
      await assert.rejects(findZdd(DIST, VERSION, d), (error: Error) => {
        assert.ok(error instanceof ZddNotFoundError)
        const found = answer.split(' ')[1]
        assert.match(error.message, new RegExp(`/opt/bin/zdd is zdd ${found.replaceAll('.', '\\.')}, but this plugin`))
        assert.match(error.message, /needs zdd 0\.1\.x/)
        assert.match(error.message, /pipx install --force zdd-heroku==0\.1\.0/)
        return true
      })
    }
  })

  it('refuses a zdd on PATH whose --version fails or is not zdd', async () => {
    const failing = deps({}, {zdd: '/opt/bin/zdd'}, new Error('exit 1'))
    await assert.rejects(findZdd(DIST, VERSION, failing.deps), /\/opt\/bin\/zdd --version failed \(exit 1\)/)
    const other = deps({}, {zdd: '/opt/bin/zdd'}, 'Zero Downtime Daemon v0.1')
    await assert.rejects(findZdd(DIST, VERSION, other.deps), /is zdd of unknown version \("Zero Downtime Daemon v0\.1"\)/)
  })

  it('falls back to uvx with the pinned distribution', async () => {
    const {deps: d} = deps({}, {pipx: '/bin/pipx', uvx: '/bin/uvx'})
    assert.deepEqual(await findZdd(DIST, VERSION, d), {
      command: '/bin/uvx',
      prefix: ['--from', 'zdd-heroku==0.1.0', 'zdd'],
      source: 'uvx',
    })
  })

  it('falls back to pipx run with the pinned distribution', async () => {
    const {deps: d} = deps({}, {pipx: '/bin/pipx'})
    assert.deepEqual(await findZdd(DIST, VERSION, d), {
      command: '/bin/pipx',
      prefix: ['run', '--spec', 'zdd-heroku==0.1.0', 'zdd'],
      source: 'pipx',
    })
  })

  it('says how to install zdd when nothing is found', async () => {
    const {deps: d} = deps({ZDD_BIN: ''}, {})
    await assert.rejects(findZdd(DIST, VERSION, d), (error: Error) => {
      assert.ok(error instanceof ZddNotFoundError)
      assert.equal(
        error.message,
        'zdd is not installed (no zdd, uvx or pipx on PATH). Install it with `pipx install zdd-heroku==0.1.0` ' +
          '(or `uv tool install zdd-heroku==0.1.0`), or set ZDD_BIN to the path of a zdd script.',
      )
      return true
    })
  })

  it('reads major.minor from release, pre-release and local versions only', () => {
    assert.equal(majorMinor('0.1.0'), '0.1')
    assert.equal(majorMinor('12.34.5.dev1'), '12.34')
    assert.equal(majorMinor('1.2.3+local'), '1.2')
    assert.equal(majorMinor('v1.2'), undefined)
    assert.equal(majorMinor('latest'), undefined)
  })
})

describe('which', () => {
  it('finds the first executable file on PATH, skipping plain files, directories and empty entries', () => {
    const [a, b, c] = [tempDir(), tempDir(), tempDir()]
    writeFileSync(join(a, 'zdd'), '') // not executable
    chmodSync(join(a, 'zdd'), 0o644)
    const wanted = executable(c, 'zdd')
    executable(tempDir(), 'zdd')
    const env = {PATH: ['', a, b, c].join(':')}
    assert.equal(which('zdd', env, 'linux'), wanted)
    assert.equal(which('uvx', env, 'linux'), undefined)
    assert.equal(which('zdd', {}, 'linux'), undefined)
  })

  it('tries PATHEXT on Windows', () => {
    const dir = tempDir()
    const wanted = executable(dir, 'zdd.CMD')
    assert.equal(which('zdd', {PATH: dir, PATHEXT: '.EXE;.CMD'}, 'win32'), wanted)
  })
})
