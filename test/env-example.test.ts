/** .env.example stays the list of every setting: each variable the configuration reads, with what it does. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

/** The variables loadConfig asks for, in production and out of it (defaults taken for all). */
function variablesRead(): Set<string> {
  const read = new Set<string>();
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-env-'));
  const given: Record<string, string> = { DATA_DIR: dataDir };
  const recording = new Proxy(given, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  try {
    loadConfig(recording);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return read;
}

describe('.env.example', () => {
  const lines = readFileSync(new URL('../.env.example', import.meta.url), 'utf8').split('\n');
  /** VAR=value or # VAR=value, and the line above it. */
  const entries = new Map(
    lines.flatMap((line, at) => {
      const name = /^(?:# )?([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
      return name === undefined ? [] : [[name, lines[at - 1] ?? ''] as const];
    }),
  );

  it('lists every variable the configuration reads', () => {
    const read = [...variablesRead()];
    expect(read.length).toBeGreaterThan(40);
    expect(read.filter((name) => !entries.has(name))).toEqual([]);
  });

  it('says what each one does, in a comment above it or above its group', () => {
    for (const [name, above] of entries) {
      expect(above, name).toMatch(/^# (?![A-Z][A-Z0-9_]*=)\S|^(?:# )?[A-Z][A-Z0-9_]*=/);
    }
    // A group (CODE_LENGTH, CODE_TTL_SECONDS, MAX_CHECKS) shares the comment above its first line.
    const firstOfGroup = [...entries].filter(([, above]) => !/^(?:# )?[A-Z][A-Z0-9_]*=/.test(above));
    expect(firstOfGroup.length).toBeGreaterThan(30);
  });
});
