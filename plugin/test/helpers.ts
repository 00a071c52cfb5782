// Test doubles for the child process and the signals the bridge listens on.
import type {ChildProcess, SpawnOptions} from 'node:child_process'
import {EventEmitter} from 'node:events'
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface SpawnCall {
  args: readonly string[]
  command: string
  options: SpawnOptions
}

/** A stand-in for ChildProcess: records kill(), exits when told. */
export class FakeChild extends EventEmitter {
  killed: string[] = []

  exit(code: null | number, signal: NodeJS.Signals | null = null): void {
    this.emit('exit', code, signal)
  }

  kill(signal: string): boolean {
    this.killed.push(signal)
    return true
  }
}

/** A spawn that records each call and answers with a FakeChild exiting with `code` (or a signal). */
export function fakeSpawn(result: {code?: number; signal?: NodeJS.Signals} = {code: 0}) {
  const calls: SpawnCall[] = []
  const children: FakeChild[] = []
  const spawn = (command: string, args: readonly string[], options: SpawnOptions) => {
    calls.push({args: [...args], command, options})
    const child = new FakeChild()
    children.push(child)
    setImmediate(() => child.exit(result.code ?? null, result.signal ?? null))
    return child as unknown as ChildProcess
  }

  return {calls, children, spawn}
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'heroku-zdd-test-'))
}

/** An executable file (a script that does nothing) at dir/name. */
export function executable(dir: string, name: string): string {
  const path = join(dir, name)
  writeFileSync(path, '#!/bin/sh\nexit 0\n')
  chmodSync(path, 0o755)
  return path
}
