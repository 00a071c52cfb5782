// Running zdd as a child: no shell, arguments as an array, stdio inherited (so `--json` output and
// prompts pass through untouched), the token only in the child's environment, SIGINT/SIGTERM/SIGHUP
// forwarded, and the child's exit code handed back (a child killed by a signal: 128 + its number,
// as a shell reports it).
//
// While zdd runs, the bridge alone answers those signals: the Heroku CLI's own handlers (with
// telemetry on, they call process.exit(1) at once) are set aside and put back when zdd exits, so an
// interrupted zdd can finish its report and the CLI exits with zdd's code (verify: 4).
import {type ChildProcess, spawn as nodeSpawn, type SpawnOptions} from 'node:child_process'
import {constants} from 'node:os'

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

export type Spawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess

/** The part of `process` the bridge listens on (a test passes an EventEmitter). */
export interface SignalSource {
  listeners(event: string): Function[]
  off(event: string, listener: (...args: any[]) => void): unknown
  on(event: string, listener: (...args: any[]) => void): unknown
}

export interface Token {
  /** The Heroku CLI's API token (`this.heroku.auth`), or undefined when it holds none. */
  token?: string
  /** HEROKU_HOST as the CLI resolved it, when the user set one. */
  host?: string
}

/** The child's environment: the CLI's, plus the CLI's token and host (never on argv). */
export function childEnv(base: NodeJS.ProcessEnv, {host, token}: Token): NodeJS.ProcessEnv {
  const env = {...base}
  if (token) env.HEROKU_API_KEY = token
  if (host) env.HEROKU_HOST = host
  return env
}

/** Exit status the way a shell reports it: the code, or 128 + the signal's number. */
export function exitStatus(code: null | number, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  const number = signal ? constants.signals[signal] : undefined
  return number === undefined ? 1 : 128 + number
}

export interface RunOptions {
  env: NodeJS.ProcessEnv
  signals?: SignalSource
  spawn?: Spawn
}

/** Start `command args`, wait for it, return its exit status. Rejects only when it cannot start. */
export function runChild(command: string, args: readonly string[], options: RunOptions): Promise<number> {
  const spawn = options.spawn ?? nodeSpawn
  const signals = options.signals ?? process
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env: options.env, shell: false, stdio: 'inherit'})
    const forwarders = FORWARDED_SIGNALS.map(signal => {
      const others = signals.listeners(signal) as Array<(...args: any[]) => void>
      for (const listener of others) signals.off(signal, listener)
      const forward = () => {
        child.kill(signal)
      }

      signals.on(signal, forward)
      return () => {
        signals.off(signal, forward)
        for (const listener of others) signals.on(signal, listener)
      }
    })
    const stopForwarding = () => {
      for (const stop of forwarders) stop()
    }

    child.once('error', error => {
      stopForwarding()
      reject(error)
    })
    child.once('exit', (code, signal) => {
      stopForwarding()
      resolve(exitStatus(code, signal))
    })
  })
}
