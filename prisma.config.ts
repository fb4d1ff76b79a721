import path from 'node:path';
import { defineConfig } from 'prisma/config';

// Tooling config for the Prisma CLI (`prisma generate`, and `prisma migrate deploy` where the
// network allows downloading the native schema engine). The app itself never reads this file:
// it applies migrations through the WebAssembly schema engine (server/db/migrate.ts).
export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
