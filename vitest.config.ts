import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildAssets } from "./scripts/build-assets.mjs";

/** The Worker under test in workerd, with the suite's settings (one instance per project that uses it). */
function workersPool(migrations: Awaited<ReturnType<typeof readD1Migrations>>) {
  return cloudflareTest({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: {
        TEST_MIGRATIONS: migrations,
        ADMIN_TOKEN: "test-admin-token",
        // The fakes live on *.fake hosts, which the outbound URL guard refuses without this.
        ALLOW_PRIVATE_DESTINATIONS: "true",
        // Test keys for secrets at rest: test2 encrypts, test1 is an older key still listed (the rotation test writes under it).
        SECRETS_KEY: "test2:neCE6d2D0ptHFadStLHNiAhJcTXvqCi43mdocRTxL3s=,test1:Fut2AszMQMyZ705Mhr9RVP0/hPGHtaKmLzXsO9NrZHI=",
        // Outside APIs point at the fakes in test/fakes; retries are quick.
        MIXPANEL_API_URL: "https://mixpanel.fake",
        ATTIO_API_URL: "https://attio.fake/v2",
        HUBSPOT_API_URL: "https://hubspot.fake",
        LLM_API_URL: "https://llm.fake/v1",
        HUNTER_API_URL: "https://hunter.fake/v2",
        APOLLO_API_URL: "https://apollo.fake/api/v1",
        DELIVERY_MAX_ATTEMPTS: "8",
        DELIVERY_BACKOFF_BASE_MS: "100",
        PROJECTION_INTERVAL_SECONDS: "1",
        // Leads save moved cursors within 2 s (production: 60 s), so suites see both the saved and the unsaved case.
        CURSOR_SAVE_SECONDS: "2",
        DELIVERY_BACKOFF_CAP_MS: "1000",
        // Four delivery shards per destination, gathering for half a second.
        DELIVERY_SHARDS: "4",
        DELIVERY_GATHER_MS: "500",
        // Tests poll a lot; the rate limit tests set small limits per key.
        RATE_LIMIT_SOURCE_DEFAULT: "1000000/60",
        RATE_LIMIT_API_KEY_DEFAULT: "1000000/60",
        RATE_LIMIT_WEBHOOK_DEFAULT: "1000000/60",
        MANAGEMENT_ORIGINS: "https://app.leadflare.test, https://admin.leadflare.test",
        LEMLIST_API_URL: "https://lemlist.fake/api",
        SMARTLEAD_API_URL: "https://smartlead.fake/api/v1",
        SYNC_LEMLIST_INTERVAL_MS: "0",
        SYNC_SMARTLEAD_INTERVAL_MS: "0",
        SYNC_MAX_ATTEMPTS: "3",
        SYNC_BACKOFF_BASE_MS: "100",
        SYNC_BACKOFF_CAP_MS: "400",
        // Four archive shards per namespace, writing files 3 s after rows arrive (each flush is an R2 put and a
        // manifest put: at 0.5 s the flushes of a 5,000-event sync slowed the outreach-sync test ~3x on this machine).
        // The archive is on by default (wrangler.toml), and in the suite.
        ARCHIVE_EVENTS: "on",
        ARCHIVE_SHARDS: "4",
        ARCHIVE_GATHER_MS: "3000",
        AMPLITUDE_API_URL: "https://amplitude.fake",
        AMPLITUDE_EU_API_URL: "https://eu.amplitude.fake",
        HEAP_API_URL: "https://heap.fake",
        HEAP_EU_API_URL: "https://eu.heap.fake",
        CUSTOMERIO_TRACK_URL: "https://track.customerio.fake",
        CUSTOMERIO_EU_TRACK_URL: "https://track-eu.customerio.fake",
        GA4_API_URL: "https://ga4.fake",
        INTERCOM_API_URL: "https://intercom.fake",
        INTERCOM_EU_API_URL: "https://eu.intercom.fake",
        INTERCOM_AU_API_URL: "https://au.intercom.fake",
        PIPEDRIVE_API_URL: "https://pipedrive.fake/v1",
        SENDGRID_API_URL: "https://sendgrid.fake",
        MAILCHIMP_API_URL: "https://mailchimp.fake/3.0",
        TWILIO_API_URL: "https://twilio.fake",
        BIGQUERY_API_URL: "https://bigquery.fake",
        BIGQUERY_TOKEN_URL: "https://oauth2.fake/token",
      },
    },
  });
}

/** Workers test files that need a workerd of their own (see the "workers-own" project). */
const OWN_WORKER = [
  "test/workers/archive/events-on-r2.test.ts",
  "test/workers/compat/cairo.test.ts",
  // MIGRATING.md's checklists create namespaces and keywords by the documents' own fixed names (acme-corp, "ACME Corp"),
  // which are unique in the deployment: in a shared workerd they would collide with other files' keywords.
  "test/workers/compat/checklists.test.ts",
  "test/workers/compat/cairo-operations.test.ts",
  "test/workers/compat/destinations.test.ts",
  "test/workers/compat/lead-service.test.ts",
  "test/workers/delivery/at-scale.test.ts",
  "test/workers/delivery/budget.test.ts",
  "test/workers/delivery/chaos.test.ts",
  "test/workers/delivery/isolation.test.ts",
  "test/workers/delivery/destinations.test.ts",
  // Each destination type against its fake, and the types together (with them the catalogue, its docs table and the
  // console's forms, which would not need it): a new destination type's test file is taken without a change here.
  "test/workers/destinations/*.test.ts",
  "test/workers/enrichment/enrich.test.ts",
  "test/workers/platform/fuzz.test.ts",
  "test/workers/platform/outbound-guard.test.ts",
  "test/workers/outreach/cron.test.ts",
  "test/workers/outreach/sync.test.ts",
  "test/workers/tenancy/privacy.test.ts",
  "test/workers/tenancy/secrets.test.ts",
  "test/workers/tenancy/isolation.test.ts",
  "test/security/destination-config.test.ts",
  // These save destinations of every type (Postgres, Kafka, Redis… on *.fake hosts): a connection a driver opens may
  // fail after its test ended, which a shared workerd would report during the next file.
  "test/security/field-paths.test.ts",
  "test/security/low-items.test.ts",
  "test/security/secret-answers.test.ts",
  "test/security/secret-binding.test.ts",
  "test/security/smaller.test.ts",
  "test/security/sync-attempts.test.ts",
];

/** Settings of both workers projects. */
const workersTest = {
  setupFiles: ["./test/workers/apply-migrations.ts", "./test/workers/refuse-unfaked-hosts.ts"],
  // Queue consumers and alarms run on real time, so some tests wait a few seconds (longer on a busy machine).
  testTimeout: 120_000,
};

export default defineConfig(async () => {
  // The Worker serves dist/assets (the SDK and the dashboard): build them first.
  await buildAssets();
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      // Most tests wait on queues, alarms and timers rather than compute: run files side by side even on 2 cores.
      maxWorkers: 4,
      // After the default report, the failing tests one a line with their reasons: the last screen of a failed run.
      reporters: ["default", "./test/setup/failures-last.ts"],
      projects: [
        {
          // Runs inside workerd: the real Worker, lead objects and D1. Files share a worker (workerd and the loaded
          // Worker) one after another: each makes its own tenants, so only the files below need one of their own.
          plugins: [workersPool(migrations)],
          test: {
            ...workersTest,
            name: "workers",
            include: ["test/workers/**/*.test.ts", "test/security/**/*.test.ts"],
            exclude: OWN_WORKER,
            isolate: false,
          },
        },
        {
          // The same, a fresh workerd per file: files that count what the whole isolate does (D1 statements, R2 puts,
          // provider calls, a cron over every namespace) or what an outside fake receives, which another file's
          // deliveries still under way would add to.
          plugins: [workersPool(migrations)],
          test: {
            ...workersTest,
            name: "workers-own",
            include: OWN_WORKER,
            // A real Postgres (PGlite over TCP) for the Postgres destination (destinations/postgres.test.ts).
            globalSetup: ["./test/setup/postgres.ts"],
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
        {
          // Headless Chromium (playwright-core) against `wrangler dev`: the SDK and the dashboard.
          test: {
            name: "browser",
            include: ["test/browser/**/*.test.ts"],
            environment: "node",
            // After the other projects: two `wrangler dev` servers (this one and e2e's) starting at once can fail.
            sequence: { groupOrder: 1 },
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
