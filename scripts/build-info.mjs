// Writes build-info.json at build time: the service version `<git-tag>.<commit-id>.<dob>` (or `<commit-id>.<dob>`
// off a tag), dob = the build time in epoch seconds. Read by src/version.ts (GET /oauth2/healthz, /environment).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

function git(...args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return '';
  }
}

const commit = git('rev-parse', 'HEAD') || 'unknown';
const tag = git('describe', '--tags', '--exact-match', 'HEAD');
const dob = Math.floor(Date.now() / 1000);
const version = [tag, commit, String(dob)].filter(Boolean).join('.');
writeFileSync(new URL('../build-info.json', import.meta.url), JSON.stringify({ version, tag: tag || null, commit, dob }) + '\n');
