/** `tessera serve`: read config once, open the store, apply provisioning, build the app, listen, handle signals. */
import { readProvisioningFile } from './provisioning/read-file.js';
import { loadConfig } from './config.js';
import { createLogger, createProvider } from './runtime/create-provider.js';
import { applyProvisioning } from './provisioning/apply.js';
import { createDemoIfEmpty } from './runtime/demo.js';
import { buildApp } from './app.js';
import { startBackgroundJobs } from './runtime/background.js';

export async function serve(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config);
  const provider = await createProvider(config, log);
  if (config.bootstrapFile) {
    const summary = await applyProvisioning(provider, await readProvisioningFile(config.bootstrapFile));
    log.info({ file: config.bootstrapFile, created: summary.created.length, updated: summary.updated.length }, 'provisioning applied');
  }
  if (config.demo) await createDemoIfEmpty(provider, (text) => process.stdout.write(text));
  const app = await buildApp(provider);
  await app.listen({ host: config.host, port: config.port });
  log.info({ url: config.publicUrl, database: config.database.kind }, 'tessera listening');
  const jobs = startBackgroundJobs(provider);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, 'draining and shutting down');
    jobs.stop();
    // New requests get 503 (return503OnClosing) and idle keep-alive connections close at once; in-flight requests
    // finish. Whatever is still running when the grace period ends is cut off.
    const grace = setTimeout(() => {
      log.warn('grace period over: closing the remaining connections');
      app.server.closeAllConnections();
    }, config.shutdownGraceMs).unref();
    app
      .close()
      .then(() => {
        clearTimeout(grace);
        return provider.close();
      })
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
