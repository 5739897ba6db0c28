import os from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

const integration = (engine: "pglite" | "postgres") => ({
  extends: true as const,
  test: {
    name: `integration-${engine}`,
    include: ["tests/integration/**/*.test.ts"],
    // A fixed secret: without one, parallel test processes would each generate their own under .data/.
    env: { TEST_ENGINE: engine, BETTER_AUTH_SECRET: "integration-tests-secret-0123456789abcdef", FIRMWARE_STORAGE_DIR: path.join(os.tmpdir(), "posfleet-test-firmware") },
    globalSetup: ["tests/helpers/global-setup.ts"],
  },
});

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
      integration("pglite"),
      // PostgreSQL runs whenever a server is given; scripts/test.sh always gives one.
      ...(process.env.TEST_DATABASE_URL ? [integration("postgres")] : []),
    ],
  },
});
