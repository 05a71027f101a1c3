// Vitest globalSetup for the `postgres` project: starts a throwaway PostgreSQL server for the
// test run (initdb into a temp dir, random loopback port, no durability) and removes it afterwards.
// Tests reach it through `inject('postgresUrl')`; test/support/database.ts makes one database per caller.
import { execFile as execFileCallback, execFileSync } from 'node:child_process'
import { constants } from 'node:fs'
import { access, chmod, chown, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'
import { freePort } from '../support/free-port.ts'

const execFile = promisify(execFileCallback)

type Run = (file: string, args: string[]) => Promise<{ stdout: string; stderr: string }>

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

async function which(name: string, extraDirs: string[] = []): Promise<string | undefined> {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extraDirs]) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name)
  }
  return undefined
}

/** The directory holding initdb and pg_ctl: from PATH first, else the newest /usr/lib/postgresql/<v>/bin. */
async function findPostgresBin(): Promise<string> {
  const onPath = await which('initdb')
  if (onPath) {
    const dir = dirname(await realpath(onPath))
    if (await isExecutable(join(dir, 'pg_ctl'))) return dir
  }
  const root = '/usr/lib/postgresql'
  const versions = await readdir(root).catch(() => [] as string[])
  versions.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
  for (const version of versions) {
    const dir = join(root, version, 'bin')
    if ((await isExecutable(join(dir, 'initdb'))) && (await isExecutable(join(dir, 'pg_ctl')))) return dir
  }
  throw new Error(
    'PostgreSQL server binaries not found: put initdb and pg_ctl on PATH or install them ' +
      '(Debian: apt-get install postgresql)',
  )
}

/** pg_ctl hands `-o` to /bin/sh, so values inside it need shell quoting. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

/**
 * Runs the PostgreSQL tools as the current user, or as `postgres` when we are root (initdb and the
 * server refuse to run as root). Arguments are passed as a list; nothing is interpolated into a shell.
 */
async function commandRunner(baseDir: string): Promise<{ run: Run; syncPrefix: string[] }> {
  const options = { cwd: baseDir, maxBuffer: 16 * 1024 * 1024 }
  if (process.getuid?.() !== 0) {
    return { run: (file, args) => execFile(file, args, options), syncPrefix: [] }
  }
  const ids = await Promise.all([
    execFile('id', ['-u', 'postgres']),
    execFile('id', ['-g', 'postgres']),
  ]).catch(() => {
    throw new Error(
      "running as root, but there is no 'postgres' system user to run PostgreSQL as " +
        '(the postgresql package creates it; or: useradd --system --user-group postgres)',
    )
  })
  const [uid, gid] = ids.map((r) => Number.parseInt(r.stdout.trim(), 10)) as [number, number]
  await chmod(baseDir, 0o755)
  await chown(baseDir, uid, gid)

  const runuser = await which('runuser', ['/usr/sbin', '/sbin', '/usr/bin', '/bin'])
  const prefix = runuser
    ? [runuser, '-u', 'postgres', '--']
    : ['su', '-s', '/bin/sh', '-c', 'exec "$0" "$@"', '--', 'postgres']
  const [command, ...prefixArgs] = prefix as [string, ...string[]]
  return {
    run: (file, args) => execFile(command, [...prefixArgs, file, ...args], options),
    syncPrefix: prefix,
  }
}

async function logTail(logFile: string, lines = 40): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

function describeError(error: unknown): string {
  const e = error as { message?: string; stderr?: string; stdout?: string }
  return [e.message, e.stdout, e.stderr].filter(Boolean).join('\n').trim()
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bin = await findPostgresBin()
  const initdb = join(bin, 'initdb')
  const pgCtl = join(bin, 'pg_ctl')

  const baseDir = await mkdtemp(join(tmpdir(), 'pg-test-'))
  const dataDir = join(baseDir, 'data')
  const logFile = join(baseDir, 'log')
  let initialized = false
  let stopped = false
  let run: Run = () => Promise.reject(new Error('not ready'))

  // Last resort if the runner dies without calling teardown: don't leave a server behind.
  let syncStop: () => void = () => {}
  const onExit = () => syncStop()

  const stop = async () => {
    if (stopped) return
    stopped = true
    process.off('exit', onExit)
    if (initialized) {
      await run(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {
        // not running (start failed) or already gone
      })
    }
    await rm(baseDir, { recursive: true, force: true })
  }

  try {
    const runner = await commandRunner(baseDir)
    run = runner.run
    syncStop = () => {
      if (stopped || !initialized) return
      const [command, ...args] = [...runner.syncPrefix, pgCtl, '-D', dataDir, '-m', 'immediate', 'stop']
      try {
        execFileSync(command as string, args, { cwd: baseDir, stdio: 'ignore' })
      } catch {
        // best effort
      }
    }
    process.on('exit', onExit)

    const { stdout: help } = await execFile(initdb, ['--help'])
    const initdbArgs = [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]
    if (help.includes('--no-instructions')) initdbArgs.push('--no-instructions')
    initialized = true
    try {
      await run(initdb, initdbArgs)
    } catch (error) {
      throw new Error(`initdb failed:\n${describeError(error)}`)
    }

    let port = 0
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      const serverOptions = [
        `-p ${port}`,
        `-k ${shellQuote(baseDir)}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
      ].join(' ')
      try {
        await run(pgCtl, ['-D', dataDir, '-o', serverOptions, '-w', '-t', '60', '-l', logFile, 'start'])
        break
      } catch (error) {
        const log = await logTail(logFile)
        // Another process may have taken the port between picking and binding it.
        if (attempt < 3 && /already in use/i.test(log)) continue
        throw new Error(
          `PostgreSQL failed to start on port ${port}:\n${describeError(error)}\n--- ${logFile} (tail) ---\n${log}`,
        )
      }
    }

    project.provide('postgresUrl', `postgres://postgres@127.0.0.1:${port}/postgres`)
  } catch (error) {
    await stop()
    throw error
  }

  return stop
}
