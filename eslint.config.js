import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The walls between the parts (docs/architecture.md), checked on every `npm test`: an import across one
 * fails the lint, not a review.
 */
const outside = (names) => names.flatMap((name) => [`**/${name}/*`, `**/${name}/**`]);
const wall = (files, groups, message) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }] },
});

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', 'coverage', 'admin/dist'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  wall(
    ['src/domain/**/*.ts'],
    [
      ...outside(['faces', 'store', 'sms', 'http', 'limits', 'cli', 'client-webhooks']),
      '**/config.js',
      '**/app.js',
      '**/metrics.js',
      'fastify',
      '@fastify/*',
      'kysely',
      'pg',
      '@electric-sql/*',
      'ioredis',
      'rate-limiter-flexible',
      'undici',
      'smpp',
      'pino',
    ],
    'The domain owns the rules and knows nothing of HTTP, SQL, providers or the configuration: reach the outside through a port in domain/ports.ts.',
  ),
  wall(
    ['src/faces/**/*.ts'],
    [...outside(['store', 'cli', 'client-webhooks']), 'kysely', 'pg', '@electric-sql/*'],
    'A face translates onto the domain and holds no state: what it needs stored is a domain service behind a port.',
  ),
  wall(
    ['src/sms/**/*.ts'],
    [...outside(['faces', 'cli', 'client-webhooks'])],
    'The SMS side knows no face: faces reach it through the domain (and the webhook face through its port).',
  ),
  wall(
    ['src/store/**/*.ts'],
    [...outside(['faces', 'http', 'limits', 'cli', 'client-webhooks'])],
    'The store implements the ports of the domain and the outbox with SQL only: no faces or HTTP.',
  ),
  wall(
    ['src/client-webhooks/**/*.ts'],
    [...outside(['faces', 'http', 'sms', 'limits', 'cli'])],
    'The webhook worker only posts what the domain recorded and the store queued: no faces, HTTP server, SMS side or limits.',
  ),
);
