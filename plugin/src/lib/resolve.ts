// Finding the Python `zdd` this plugin bridges to, in the order the README gives:
//   1. $ZDD_BIN (the user's explicit choice: used as is),
//   2. `zdd` on PATH, if its `zdd --version` has the plugin's major.minor (else a clear error),
//   3. `uvx --from zdd-heroku==<version> zdd` (uv fetches and caches that exact release),
//   4. `pipx run --spec zdd-heroku==<version> zdd`,
//   5. one error that says how to install it.
import {execFile} from 'node:child_process'
import {accessSync, constants, statSync} from 'node:fs'
import {delimiter, join} from 'node:path'

/** How to start zdd: `command` with `prefix` before the zdd subcommand and flags. */
export interface Launcher {
  command: string
  prefix: string[]
  /** Which rule found it, for debug output and errors. */
  source: 'PATH' | 'pipx' | 'uvx' | 'ZDD_BIN'
}

export interface ResolveDeps {
  env: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  /** The first line `<path> --version` prints, or an Error saying why there is none. */
  versionOf(path: string, env: NodeJS.ProcessEnv): Promise<Error | string>
  /** The executable `name` on PATH, or undefined. */
  which(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined
}

/** zdd cannot be found or is the wrong version (exit 2): what is wrong, and what to do. */
export class ZddNotFoundError extends Error {
  constructor(
    readonly problem: string,
    readonly remedy: string,
  ) {
    super(`${problem} ${remedy}`)
  }
}

export function installHint(distribution: string, version: string): string {
  return (
    `Install it with \`pipx install ${distribution}==${version}\` ` +
    `(or \`uv tool install ${distribution}==${version}\`), ` +
    'or set ZDD_BIN to the path of a zdd script.'
  )
}

export function majorMinor(version: string): string | undefined {
  const match = /^(\d+)\.(\d+)(?:[.\w+-]*)$/.exec(version.trim())
  return match ? `${match[1]}.${match[2]}` : undefined
}

export async function findZdd(distribution: string, version: string, deps: ResolveDeps): Promise<Launcher> {
  const {env} = deps
  const platform = deps.platform ?? process.platform
  const explicit = env.ZDD_BIN
  if (explicit !== undefined && explicit !== '') {
    if (!isExecutableFile(explicit)) {
      throw new ZddNotFoundError(`ZDD_BIN=${explicit} is not an executable file.`, 'Point it at a zdd script, or unset it.')
    }

    return {command: explicit, prefix: [], source: 'ZDD_BIN'}
  }

  const onPath = deps.which('zdd', env, platform)
  if (onPath) {
    const wanted = majorMinor(version)
    const answer = await deps.versionOf(onPath, env)
    if (answer instanceof Error) {
      throw new ZddNotFoundError(
        `${onPath} --version failed (${answer.message}), so this plugin cannot tell whether it is zdd ${wanted}.`,
        `Reinstall it (\`pipx install --force ${distribution}==${version}\`), or set ZDD_BIN.`,
      )
    }

    const found = /^zdd\s+(\S+)$/.exec(answer.trim())?.[1]
    if (found && majorMinor(found) === wanted) return {command: onPath, prefix: [], source: 'PATH'}
    throw new ZddNotFoundError(
      `${onPath} is zdd ${found ?? `of unknown version ("${answer.trim()}")`}, but this plugin (heroku-zdd ${version}) ` +
        `needs zdd ${wanted}.x.`,
      `Install the matching one (\`pipx install --force ${distribution}==${version}\`), ` +
        'or set ZDD_BIN to a matching zdd script.',
    )
  }

  const spec = `${distribution}==${version}`
  const uvx = deps.which('uvx', env, platform)
  if (uvx) return {command: uvx, prefix: ['--from', spec, 'zdd'], source: 'uvx'}
  const pipx = deps.which('pipx', env, platform)
  if (pipx) return {command: pipx, prefix: ['run', '--spec', spec, 'zdd'], source: 'pipx'}
  throw new ZddNotFoundError('zdd is not installed (no zdd, uvx or pipx on PATH).', installHint(distribution, version))
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** Like `which`: the first PATH entry holding an executable `name` (with PATHEXT on Windows). */
export function which(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : ['']
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    for (const ext of exts) {
      const candidate = join(dir, name + ext)
      if (isExecutableFile(candidate)) return candidate
    }
  }

  return undefined
}

/** Seconds `zdd --version` may take (a cold Python start on a slow disk). */
const VERSION_TIMEOUT_MS = 30_000

export function versionOf(path: string, env: NodeJS.ProcessEnv): Promise<Error | string> {
  return new Promise(resolve => {
    execFile(path, ['--version'], {env, timeout: VERSION_TIMEOUT_MS}, (error, stdout) => {
      if (error) resolve(new Error(error.killed ? 'timed out' : `exit ${error.code ?? error.message}`))
      else resolve(String(stdout).split('\n')[0])
    })
  })
}
