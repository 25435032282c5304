/** The running version, read once from package.json. */
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  const url = new URL('../package.json', import.meta.url);
  for (const candidate of [url, new URL('../../package.json', import.meta.url)]) {
    try {
      return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
    } catch {
      // try the next location (src/ under tsx, dist/src/ when built)
    }
  }
  return '0.0.0';
}

export const VERSION = packageVersion();
