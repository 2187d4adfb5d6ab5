/**
 * Vitest global setup: one migrated PGlite cluster per run, which every PGlite test database starts from.
 * Creating a cluster (initdb inside WebAssembly) costs about a second and a half of CPU; loading a dump of
 * a migrated one a third of that, and the suite opens a hundred or so on two cores.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../../src/store/connect.js';
import { openPglite } from '../../src/store/pglite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A DATA_DIR holding a migrated cluster (its `pglite` folder), to copy for a process of the service. */
    pgliteTemplateDir: string;
    /** The same cluster dumped (PGlite's dumpDataDir), to load into an in-memory database. */
    pgliteTemplateDump: string;
  }
}

export default async function pgliteTemplate(project: TestProject): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), 'otpgate-template-'));
  const dataDir = join(root, 'data');
  const db = await openPglite(dataDir);
  await migrateToLatest(db);
  await db.destroy();
  const cluster = await PGlite.create(join(dataDir, 'pglite'));
  const dump = join(root, 'cluster.tar');
  writeFileSync(dump, Buffer.from(await (await cluster.dumpDataDir('none')).arrayBuffer()));
  await cluster.close();
  project.provide('pgliteTemplateDir', dataDir);
  project.provide('pgliteTemplateDump', dump);
  return () => rmSync(root, { recursive: true, force: true });
}
