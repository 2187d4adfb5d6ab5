/** Starts otpgate: load the config, build the app, listen; shut down gracefully on SIGTERM/SIGINT. */
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await buildApp({ config });
  const address = await app.http.listen({ port: config.port, host: config.host });
  app.logger.info(
    { address, database: app.database.driver, providers: app.dispatcher.providers.map((p) => p.name) },
    `otpgate listening: API docs at ${address.replace('0.0.0.0', 'localhost')}/docs`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    // Stop taking requests, let the dispatcher finish its batch, then close the database.
    const timeout = setTimeout(() => process.exit(1), 15_000);
    timeout.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Provider URLs and routes are checked while the app is built: still a configuration error (exit 2).
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `otpgate failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
