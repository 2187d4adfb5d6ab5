/** `otpgate migrate`: the schema brought up to date and nothing else, for deploy pipelines. */
import { migrateToLatest, pendingMigrations } from '../store/connect.js';
import { parseCommandArgs, type Command } from './command.js';
import { withDatabase } from './database.js';

export const migrate: Command = {
  words: ['migrate'],
  usage: '',
  summary: 'bring the database schema up to date, then exit',
  details: `Applies the migrations the database lacks, as the server does when it starts; running it again
changes nothing. Run it before starting a new version, so no node starts on an old schema.`,
  async run(args, context) {
    parseCommandArgs(migrate, args, {}, []);
    const applied = await withDatabase(context.config(), 'any', async (db) => {
      // migrateToLatest reports nothing: what was pending just before is what it applied.
      const pending = await pendingMigrations(db);
      await migrateToLatest(db);
      return pending;
    });
    context.print(
      applied.length === 0
        ? 'The schema is up to date: no migration to apply.'
        : `Applied ${applied.length} migration(s): ${applied.join(', ')}.`,
    );
  },
};
