import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Migration } from '../migrate';

/**
 * Migrations are the numbered `NNNN-name.sql` files beside this module. Bundled hosts (Electron)
 * copy the folder next to their bundle and point DATANET_STUDIO_MIGRATIONS at it.
 */
export function migrationsDir(): string {
  return process.env.DATANET_STUDIO_MIGRATIONS ?? dirname(fileURLToPath(import.meta.url));
}

export function loadMigrations(dir = migrationsDir()): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f))
    .sort();
  return files.map((f, i) => {
    const version = Number(f.slice(0, 4));
    if (version !== i + 1) throw new Error(`Migration ${f} is out of sequence: expected number ${i + 1}`);
    return { version, name: f.slice(5, -4), sql: readFileSync(join(dir, f), 'utf8') };
  });
}
