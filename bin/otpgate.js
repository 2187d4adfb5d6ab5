#!/usr/bin/env node
// The operator CLI, compiled: `npm install` builds dist/ (the prepare script), so a fresh clone has it.
await import('../dist/cli/main.js');
