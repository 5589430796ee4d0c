import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The variable naming the PostgreSQL server the store tests use. */
export const POSTGRES_URL_VARIABLE = 'CHAT_HISTORY_TEST_POSTGRES_URL';

/**
 * A throwaway PostgreSQL cluster from the machine's Debian `postgresql` package: a temporary
 * data folder, a free loopback port, trust authentication, gone after `stop()`.
 */
export async function startPostgresCluster(): Promise<{ url: string; stop(): void }> {
  const bin = postgresBin();
  const folder = mkdtempSync(join(tmpdir(), 'chat-history-pg-'));
  const data = join(folder, 'data');
  // The server refuses to run as root: as root, it runs as the package's `postgres` user.
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) => {
    const full = join(bin, command);
    execFileSync(
      asRoot ? 'runuser' : full,
      asRoot ? ['-u', 'postgres', '--', full, ...args] : args,
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']));
    const gid = Number(execFileSync('id', ['-g', 'postgres']));
    chownSync(folder, uid, gid);
    chmodSync(folder, 0o700);
  }
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(folder, 'server.log'),
    '-o',
    `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    '-w',
    'start',
  ]);
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'chat_history_test']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/chat_history_test`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      `The store tests need a PostgreSQL server: install Debian's postgresql package (apt-get install postgresql), or set ${POSTGRES_URL_VARIABLE} to a database they may write to.`,
    );
  }
  return join(root, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
