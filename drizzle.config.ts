import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: [
    './src/db/schema.ts',
    './src/db/schema-access.ts',
    './src/db/schema-policies.ts',
    './src/db/schema-tasks.ts',
    './src/db/schema-connectors.ts',
    './src/db/schema-systemlog.ts',
    './src/db/schema-catalogs.ts',
    './src/db/schema-webhooks.ts',
  ],
  out: './drizzle',
});
