/**
 * `tessera serve` (default) | `tessera apply FILE` | `tessera migrate` | `tessera help`.
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

const USAGE = `usage: tessera <command>
  serve         run the provider (default; configured by environment variables, see README)
  apply FILE    apply a provisioning file (JSON) to the database and exit
  migrate       run database migrations and exit
  help          show this text`;

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
    const known = err instanceof ConfigError || err instanceof ProvisioningError || err instanceof MasterKeyError || err instanceof MigrationError || (err as NodeJS.ErrnoException).code === 'ENOENT';
    process.stderr.write(`tessera: ${known ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
}
