/**
 * `tessera serve` (default) | `tessera apply FILE` | `tessera migrate` | `tessera keys list|rotate …` | `tessera help`.
 * Errors the operator can fix print one line and exit 1.
 */
import { readProvisioningFile } from './provisioning/read-file.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, createProvider } from './runtime/create-provider.js';
import { applyProvisioning } from './provisioning/apply.js';
import { ProvisioningError } from './provisioning/schema.js';
import { MasterKeyError } from './keys/master-key.js';
import { serve } from './serve.js';
import { MigrationError } from './store/migrations.js';
import { describeKeys, iso, KeyRotationError, rotateKeys } from './keys/rotate.js';
import { SIGNING_ALGS } from './keys/signing-keys.js';
import type { SigningAlg } from './keys/jws-sign.js';
import { AUTH_LEVELS, createLicense, LicenseError, type AuthLevel } from './service/licenses.js';
import { parseExpiry } from './provisioning/service-api.js';

const USAGE = `usage: tessera <command>
  serve         run the provider (default; configured by environment variables, see README)
  apply FILE    apply a provisioning file (JSON) to the database and exit
  migrate       run database migrations and exit
  keys list --community NAME
                list a community's signing keys: kid, alg, state (next, active, retiring, retired), activates_at,
                retires_at (never private key material)
  keys rotate --community NAME [--alg ES256|RS256] [--force]
                publish a new key per algorithm (or just --alg) now; it signs from KEY_PUBLISH_DELAY_SECONDS on and
                the key it replaces stays published until the tokens it signed have expired. Refused while a new
                key is already waiting to activate, unless --force (which replaces that waiting key)
  license create --level system|service|community [--community NAME] [--tag TAG] [--type TYPE]
                 [--expiry ISO-DATE | --days N] [--disabled]
                create a service API license and print its key once (only its hash is stored); the key is read
                from TESSERA_LICENSE_KEY when set (at least 32 characters), else generated
  help          show this text`;

const LICENSE_USAGE = 'usage: tessera license create --level system|service|community [--community NAME] [--tag TAG] [--type TYPE] [--expiry ISO-DATE | --days N] [--disabled]';

const KEYS_USAGE = 'usage: tessera keys list --community NAME | tessera keys rotate --community NAME [--alg ES256|RS256] [--force]';

/** `--name value`, `--name=value` and boolean `--flag`; anything else is a one-line error. */
function parseFlags(args: readonly string[], valued: readonly string[], booleans: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)} (${KEYS_USAGE})`);
    const [, name = '', inline] = match;
    if (flags.has(name)) throw new ConfigError(`--${name} given twice`);
    if (booleans.includes(name)) {
      if (inline !== undefined) throw new ConfigError(`--${name} takes no value`);
      flags.set(name, 'true');
    } else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined || value === '' || value.startsWith('--')) throw new ConfigError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new ConfigError(`unknown option --${name} (${KEYS_USAGE})`);
    }
  }
  return flags;
}

function requiredCommunity(flags: Map<string, string>, sub: string): string {
  const name = flags.get('community');
  if (name === undefined) throw new ConfigError(`keys ${sub} needs --community NAME`);
  return name;
}

async function keysCommand(args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list': {
      const community = requiredCommunity(parseFlags(rest, ['community'], []), 'list');
      const keys = await withProvider(async (provider) => describeKeys(provider, community, provider.clock.now()));
      const rows = [['kid', 'alg', 'state', 'activates_at', 'retires_at'], ...keys.map((k) => [k.kid, k.alg, k.state, iso(k.activatesAt), k.retiresAt === null ? '-' : iso(k.retiresAt)])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
      return;
    }
    case 'rotate': {
      const flags = parseFlags(rest, ['community', 'alg'], ['force']);
      const community = requiredCommunity(flags, 'rotate');
      const alg = flags.get('alg');
      if (alg !== undefined && !(SIGNING_ALGS as readonly string[]).includes(alg)) throw new ConfigError(`--alg must be ${SIGNING_ALGS.join(' or ')}, got ${JSON.stringify(alg)}`);
      const rotated = await withProvider(async (provider) =>
        rotateKeys(provider, community, { now: provider.clock.now(), force: flags.has('force'), ...(alg ? { algs: [alg as SigningAlg] } : {}) }),
      );
      for (const r of rotated) {
        const retiring = r.superseded.map((s) => `; ${s.kid} retires at ${iso(s.retiresAt)}`).join('');
        const withdrawn = r.withdrawn.length > 0 ? `; replaced the waiting key ${r.withdrawn.join(', ')}` : '';
        process.stdout.write(`${community} ${r.alg}: new key ${r.kid} published, signs from ${iso(r.activatesAt)}${retiring}${withdrawn}\n`);
      }
      return;
    }
    default:
      throw new ConfigError(sub === undefined ? `keys needs a subcommand (${KEYS_USAGE})` : `unknown keys subcommand ${JSON.stringify(sub)} (${KEYS_USAGE})`);
  }
}

async function licenseCommand(args: readonly string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new ConfigError(sub === undefined ? `license needs a subcommand (${LICENSE_USAGE})` : `unknown license subcommand ${JSON.stringify(sub)} (${LICENSE_USAGE})`);
  const flags = parseFlags(rest, ['level', 'community', 'tag', 'type', 'expiry', 'days'], ['disabled']);
  const level = flags.get('level');
  if (level === undefined || !(AUTH_LEVELS as readonly string[]).includes(level)) throw new ConfigError(`--level must be one of ${AUTH_LEVELS.join(', ')} (${LICENSE_USAGE})`);
  if (flags.has('expiry') && flags.has('days')) throw new ConfigError('give --expiry or --days, not both');
  const days = flags.get('days');
  if (days !== undefined && !/^\d{1,5}$/.test(days)) throw new ConfigError('--days must be a whole number of days');
  const expiryFlag = flags.get('expiry');
  const expiry = expiryFlag !== undefined ? parseExpiry(expiryFlag) : undefined;
  if (expiryFlag !== undefined && expiry === undefined) throw new ConfigError('--expiry must be an ISO 8601 date or date-time, e.g. 2030-01-01T00:00:00Z');
  const community = flags.get('community');
  const key = process.env.TESSERA_LICENSE_KEY || undefined;
  const created = await withProvider(async (provider) =>
    createLicense(provider, {
      ...(key ? { key } : {}),
      tag: flags.get('tag') ?? `${level}-license`,
      type: flags.get('type') ?? 'service',
      authLevel: level as AuthLevel,
      ...(community ? { community } : {}),
      expiry: expiry ?? provider.clock.now() + Number(days ?? 365) * 86400,
      disabled: flags.has('disabled'),
    }),
  );
  process.stdout.write(`${created}\n`);
}

async function withProvider<T>(work: (provider: Awaited<ReturnType<typeof createProvider>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const provider = await createProvider(config, createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel }));
  try {
    return await work(provider);
  } finally {
    await provider.close();
  }
}

export async function runCli(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        await serve();
        return;
      case 'apply': {
        const file = rest[0];
        if (!file) throw new ConfigError('apply needs a FILE');
        const summary = await withProvider(async (provider) => applyProvisioning(provider, await readProvisioningFile(file)));
        process.stdout.write(`applied ${file}: ${summary.created.length} created, ${summary.updated.length} updated, ${summary.unchanged} unchanged\n`);
        for (const item of summary.created) process.stdout.write(`  + ${item}\n`);
        for (const item of summary.updated) process.stdout.write(`  ~ ${item}\n`);
        return;
      }
      case 'keys':
        await keysCommand(rest);
        return;
      case 'license':
        await licenseCommand(rest);
        return;
      case 'migrate':
        await withProvider(async () => undefined);
        process.stdout.write('database is up to date\n');
        return;
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return;
      default:
        throw new ConfigError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
    }
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof ProvisioningError || err instanceof MasterKeyError || err instanceof MigrationError || err instanceof KeyRotationError || err instanceof LicenseError || (err as NodeJS.ErrnoException).code === 'ENOENT';
    process.stderr.write(`tessera: ${known ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
}
