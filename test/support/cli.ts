/** Runs the built `tessera` command (bin/tessera.js) as a child process and collects its exit code and output. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment a CLI test uses: its own data directory, SQLite file and master key. */
export function cliEnv(dir: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, TESSERA_DATA_DIR: dir, TESSERA_MASTER_KEY: 'cd'.repeat(32), PASSWORD_HASH_COST: '1024', DATABASE_URL: `sqlite://${path.join(dir, 'cli.db')}` };
}

export async function runTessera(env: NodeJS.ProcessEnv, cwd: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'bin/tessera.js'), ...args], { env, cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
