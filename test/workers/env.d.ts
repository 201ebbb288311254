import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The port of the local Postgres (PGlite) that test/setup/postgres.ts starts. */
    postgresPort: number;
  }
}
