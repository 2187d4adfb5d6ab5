/** `otpgate outbox stats`: is the SMS outbox moving, and what failed lately. */
import type { MessageKind, MessageStatus } from '../domain/types.js';
import { readOutboxStats } from '../store/outbox-stats.js';
import { parseCommandArgs, type Command } from './command.js';
import { withDatabase } from './database.js';
import { age, table, utcMinute } from './format.js';

/** A message's life in order, so the table reads from waiting to done. */
const STATUSES: readonly MessageStatus[] = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
];
const KINDS: readonly MessageKind[] = ['otp', 'notice'];
const FAILURE_WINDOW_MS = 3_600_000;

export const outboxStats: Command = {
  words: ['outbox', 'stats'],
  usage: '[--json]',
  summary: 'messages per status and kind, the oldest queued one, failures in the last hour',
  details: `An old "oldest queued" means no dispatcher is sending, or every provider keeps refusing. Failures
are messages given up on (refused, expired, out of tries), counted by their error code.

Options:
  --json  one JSON object, for scripts and monitoring`,
  async run(args, context) {
    const { values } = parseCommandArgs(outboxStats, args, { json: { type: 'boolean' } }, []);
    const now = context.clock.now();
    const stats = await withDatabase(context.config(), 'current', (db) =>
      readOutboxStats(db, new Date(now.getTime() - FAILURE_WINDOW_MS)),
    );
    const oldestAgeSeconds =
      stats.oldestQueuedAt === null
        ? null
        : Math.max(0, Math.floor((now.getTime() - stats.oldestQueuedAt.getTime()) / 1000));
    if (values.json) {
      context.print(
        JSON.stringify(
          {
            counts: stats.counts,
            oldestQueuedAt: stats.oldestQueuedAt,
            oldestQueuedAgeSeconds: oldestAgeSeconds,
            failuresLastHour: stats.failures,
          },
          null,
          2,
        ),
      );
      return;
    }

    const count = (status: MessageStatus, kind?: MessageKind) =>
      stats.counts
        .filter((row) => row.status === status && (kind === undefined || row.kind === kind))
        .reduce((sum, row) => sum + row.count, 0);
    const rows = STATUSES.map((status) => [
      status,
      ...KINDS.map((kind) => String(count(status, kind))),
      String(count(status)),
    ]);
    const lines = [
      'Messages by status and kind',
      table([['STATUS', ...KINDS.map((kind) => kind.toUpperCase()), 'TOTAL'], ...rows], [1, 2, 3]),
      '',
      stats.oldestQueuedAt === null || oldestAgeSeconds === null
        ? 'Oldest queued message: none queued'
        : `Oldest queued message: ${age(oldestAgeSeconds * 1000)} old (queued ${utcMinute(stats.oldestQueuedAt)})`,
      '',
      'Failures in the last hour, by error code',
      stats.failures.length === 0
        ? 'none'
        : table([['ERROR CODE', 'COUNT'], ...stats.failures.map((f) => [f.errorCode, String(f.count)])], [1]),
    ];
    context.print(lines.join('\n'));
  },
};
