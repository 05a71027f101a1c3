// A throwaway PostgreSQL server (initdb into a temp dir, random loopback port, no durability), removed when
// stopped. The postgres project runs one for the whole run (test/setup/postgres-global.ts); fault tests
// start their own, to stop, hang and restart it without disturbing the others.
import { execFile as execFileCallback, execFileSync } from 'node:child_process'
import { constants } from 'node:fs'
import { access, chmod, chown, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './free-port.ts'

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

export interface PostgresServer {
  /** Admin URL (user postgres, database postgres). */
  url: string
  /** Stops the server (`pg_ctl stop -m fast` by default) and keeps its data for `start()`. */
  halt(mode?: 'fast' | 'immediate'): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
  /** Freezes the postmaster and every backend (SIGSTOP), as in a hung server; `resume()` thaws them. */
  pause(): Promise<void>
  resume(): Promise<void>
  /** Stops the server for good and removes its files. */
  stop(): Promise<void>
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = await findPostgresBin()
  const initdb = join(bin, 'initdb')
  const pgCtl = join(bin, 'pg_ctl')

  const baseDir = await mkdtemp(join(tmpdir(), 'pg-test-'))
  const dataDir = join(baseDir, 'data')
  const logFile = join(baseDir, 'log')
  let initialized = false
  let stopped = false
  let paused: number[] = []
  let run: Run = () => Promise.reject(new Error('not ready'))
  let serverOptions = ''

  // Last resort if the runner dies without calling teardown: don't leave a server behind.
  let syncStop: () => void = () => {}
  const onExit = () => syncStop()

  // The postmaster and its children, from the postmaster's pid file and /proc.
  const processes = async (): Promise<number[]> => {
    const postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0])
    const children = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').catch(() => '')
    return [postmaster, ...children.split(' ').filter(Boolean).map(Number)]
  }

  const stop = async () => {
    if (stopped) return
    stopped = true
    process.off('exit', onExit)
    for (const pid of paused) process.kill(pid, 'SIGCONT')
    if (initialized) {
      await run(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {
        // not running (start failed) or already gone
      })
    }
    await rm(baseDir, { recursive: true, force: true })
  }

  const start = async () => {
    try {
      await run(pgCtl, ['-D', dataDir, '-o', serverOptions, '-w', '-t', '60', '-l', logFile, 'start'])
    } catch (error) {
      const log = await logTail(logFile)
      throw Object.assign(
        new Error(`PostgreSQL failed to start:\n${describeError(error)}\n--- ${logFile} (tail) ---\n${log}`),
        { log },
      )
    }
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
      serverOptions = [
        `-p ${port}`,
        `-k ${shellQuote(baseDir)}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
      ].join(' ')
      try {
        await start()
        break
      } catch (error) {
        // Another process may have taken the port between picking and binding it.
        if (attempt < 3 && /already in use/i.test((error as { log?: string }).log ?? '')) continue
        throw error
      }
    }

    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      async halt(mode = 'fast') {
        await run(pgCtl, ['-D', dataDir, '-m', mode, '-w', 'stop'])
      },
      start,
      async pause() {
        paused = await processes()
        for (const pid of paused) process.kill(pid, 'SIGSTOP')
      },
      async resume() {
        for (const pid of paused) process.kill(pid, 'SIGCONT')
        paused = []
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
