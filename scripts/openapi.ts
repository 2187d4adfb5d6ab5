/**
 * Writes openapi.json: the native API's OpenAPI document as the service serves it at /openapi.json, from a
 * default configuration (no environment read, so the file is the same on every machine). Run
 * `npm run -s openapi` after changing a route or a schema and commit the result: test/api-reference.test.ts fails
 * while the committed file differs from a fresh build, and lints it with Redocly and Spectral.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { HttpApp } from '../src/faces/context.js';
import { clientDocument, type Document } from '../src/http/openapi-documents.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi.json', import.meta.url));

/** Two-space JSON, one key a line: a contract change shows as a small diff in review. */
export function openApiText(http: HttpApp): string {
  return `${JSON.stringify(clientDocument(http.swagger() as unknown as Document), null, 2)}\n`;
}

async function writeOpenApi(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-openapi-'));
  try {
    const app = await buildApp({
      config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      devEcho: null,
      startDispatcher: false,
    });
    try {
      await app.http.ready();
      writeFileSync(OPENAPI_FILE, openApiText(app.http));
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log('wrote openapi.json');
}

const runAsScript =
  process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (runAsScript) await writeOpenApi();
