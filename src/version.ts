/** The running version, read once from package.json; the build version (`<git-tag>.<commit-id>.<dob>`) from build-info.json. */
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

/**
 * `<git-tag>.<commit-id>.<dob>` (or `<commit-id>.<dob>` off a tag), fixed at build time by scripts/build-info.mjs.
 * Without a build (tsx in development) the package version, marked `-dev`.
 */
function buildVersion(): string {
  for (const candidate of [new URL('../build-info.json', import.meta.url), new URL('../../build-info.json', import.meta.url)]) {
    try {
      const info = JSON.parse(readFileSync(candidate, 'utf8')) as { version?: unknown };
      if (typeof info.version === 'string' && /^[\w.-]{1,200}$/.test(info.version)) return info.version;
    } catch {
      // try the next location
    }
  }
  return `${VERSION}-dev`;
}

export const BUILD_VERSION = buildVersion();
