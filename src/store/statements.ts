/**
 * Tells of every statement a database is sent, transaction control included: the round trips a request
 * costs (issue 14's statement-count test; an operator's `LOG_LEVEL=trace` could use it too).
 */
import type { DatabaseConnection, Dialect, Driver } from 'kysely';

export type StatementObserver = (sql: string) => void;

function observedConnection(connection: DatabaseConnection, observe: StatementObserver): DatabaseConnection {
  return {
    executeQuery(query) {
      observe(query.sql);
      return connection.executeQuery(query);
    },
    streamQuery(query, chunkSize) {
      observe(query.sql);
      return connection.streamQuery(query, chunkSize);
    },
  };
}

/** The dialect, its driver's connections observed: Kysely begins and commits on the connection it acquired. */
export function observeStatements(dialect: Dialect, observe: StatementObserver | undefined): Dialect {
  if (observe === undefined) return dialect;
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver(): Driver {
      const driver = dialect.createDriver();
      const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const unwrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const inner = (connection: DatabaseConnection) => unwrapped.get(connection) ?? connection;
      return {
        init: () => driver.init(),
        async acquireConnection() {
          const connection = await driver.acquireConnection();
          let observed = wrapped.get(connection);
          if (observed === undefined) {
            observed = observedConnection(connection, observe);
            wrapped.set(connection, observed);
            unwrapped.set(observed, connection);
          }
          return observed;
        },
        // The driver's own begin/commit/rollback run on the observed connection, so they are told too.
        beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
        commitTransaction: (connection) => driver.commitTransaction(connection),
        rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
        ...(driver.savepoint && { savepoint: driver.savepoint.bind(driver) }),
        ...(driver.rollbackToSavepoint && { rollbackToSavepoint: driver.rollbackToSavepoint.bind(driver) }),
        ...(driver.releaseSavepoint && { releaseSavepoint: driver.releaseSavepoint.bind(driver) }),
        releaseConnection: (connection) => driver.releaseConnection(inner(connection)),
        destroy: () => driver.destroy(),
      };
    },
  };
}
