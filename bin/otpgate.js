#!/usr/bin/env node
// The operator CLI, run from its TypeScript source: tsx is a dependency, so a fresh `npm install` is enough
// (no build step). The hooks are registered from here, so tsx resolves next to this file, wherever it runs.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
