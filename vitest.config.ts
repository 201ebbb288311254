import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      projects: [
        {
          // Runs inside workerd: the real Worker, lead objects and D1.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ADMIN_TOKEN: "test-admin-token",
                  // Outside APIs point at the fakes in test/fakes; retries are quick.
                  MIXPANEL_API_URL: "https://mixpanel.fake",
                  ATTIO_API_URL: "https://attio.fake/v2",
                  HUBSPOT_API_URL: "https://hubspot.fake",
                  DELIVERY_MAX_ATTEMPTS: "8",
                  DELIVERY_BACKOFF_BASE_MS: "100",
                  DELIVERY_BACKOFF_CAP_MS: "1000",
                  LEMLIST_API_URL: "https://lemlist.fake/api",
                  SMARTLEAD_API_URL: "https://smartlead.fake/api/v1",
                  SYNC_LEMLIST_INTERVAL_MS: "0",
                  SYNC_SMARTLEAD_INTERVAL_MS: "0",
                  SYNC_MAX_ATTEMPTS: "3",
                  SYNC_BACKOFF_BASE_MS: "100",
                  SYNC_BACKOFF_CAP_MS: "400",
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/workers/**/*.test.ts"],
            setupFiles: ["./test/workers/apply-migrations.ts"],
            // Queue consumers and alarms run on real time, so some tests wait a few seconds.
            testTimeout: 60_000,
          },
        },
        {
          // Runs in Node against `wrangler dev`, as a user's SDK would.
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
