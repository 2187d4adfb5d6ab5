/**
 * Starts otpgate: load the config, build the app, listen. On SIGTERM or SIGINT it drains: readiness turns
 * 503 at once and every reply closes its connection while the node still serves for SHUTDOWN_DRAIN_SECONDS
 * (a load balancer moves traffic away meanwhile); then it stops listening, lets in-flight requests and SMS
 * sends finish, closes its pools and exits 0. A second signal, or 10 s past the drain, exits at once.
 */
import { buildApp, type App } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DatabaseUnreachableError } from './store/connect.js';
import { PgliteInUseError } from './store/pglite-lock.js';

/** How long closing may take after the drain: in-flight requests and sends are bounded well below it. */
const CLOSE_LIMIT_MS = 10_000;

function fail(status: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(status);
}

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(2, error.message);
    throw error;
  }
}

function stopOnSignals(app: App, config: Config): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      app.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    app.drain();
    app.logger.info({ signal, drainSeconds: config.shutdownDrainSeconds }, 'shutting down: draining');
    const deadline = setTimeout(
      () => {
        app.logger.error('shutdown took too long: exiting');
        process.exit(1);
      },
      config.shutdownDrainSeconds * 1000 + CLOSE_LIMIT_MS,
    );
    deadline.unref();
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainSeconds * 1000));
    await app.close();
    app.logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

async function main(): Promise<void> {
  const config = configOrExit();
  const app = await buildApp({ config });
  stopOnSignals(app, config);
  const address = await app.http.listen({ port: config.port, host: config.host });
  if (config.production && app.database.driver === 'pglite') {
    app.logger.warn(
      'PGlite in production: one process, no second node, no replica; set DATABASE_URL to a PostgreSQL server',
    );
  }
  app.logger.info(
    { address, database: app.database.driver, providers: app.dispatcher.providers.map((p) => p.name) },
    `otpgate listening: API docs at ${address.replace('0.0.0.0', 'localhost')}/docs`,
  );
}

main().catch((error: unknown) => {
  // Provider URLs and routes are checked while the app is built: still a configuration error (exit 2).
  if (error instanceof ConfigError) fail(2, error.message);
  if (error instanceof DatabaseUnreachableError || error instanceof PgliteInUseError) {
    fail(1, `otpgate: ${error.message}`);
  }
  fail(1, `otpgate failed to start: ${error instanceof Error ? error.message : String(error)}`);
});
