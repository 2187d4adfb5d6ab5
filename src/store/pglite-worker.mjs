// PGlite on a thread of its own (see pglite.ts for why): opens one database at a time, runs its statements
// one by one as they come, closes it, and may then open another. Plain JavaScript: a worker thread starts
// from a file, and the tests run the sources untranspiled; the build copies this file beside pglite.js.
import { parentPort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** What an error says, as plain data: the fields the store reads (code, constraint, message) and the rest. */
function plain(error) {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const fields = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) {
    // The statement and its parameters stay here: they may hold a code's hash or a sealed secret.
    if (key === 'query' || key === 'params' || key === 'queryOptions') continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return fields;
}

let client;

async function run(request) {
  switch (request.op) {
    case 'open': {
      client = await PGlite.create(request.location, {
        startParams: [...PGlite.defaultStartParams, ...request.startParams],
        loadDataDir: request.loadDataDir,
        pgliteWasmModule: request.wasmModule,
        fsBundle: request.fsBundle,
      });
      return {};
    }
    case 'query': {
      const result = await client.query(request.sql, request.params);
      return { rows: result.rows, affectedRows: result.affectedRows };
    }
    case 'close': {
      // PGlite writes its last pages to the data directory; the thread stays for another database.
      const closing = client;
      client = undefined;
      await closing?.close();
      return {};
    }
    default:
      throw new Error(`unknown operation ${request.op}`);
  }
}

// One at a time, in the order sent: the main thread sends a statement while the one before still runs, and
// a close after the statements sent before it.
let previous = Promise.resolve();
parentPort.on('message', (request) => {
  previous = previous.then(async () => {
    try {
      parentPort.postMessage({ id: request.id, ok: true, ...(await run(request)) });
    } catch (error) {
      parentPort.postMessage({ id: request.id, ok: false, error: plain(error) });
    }
  });
});
