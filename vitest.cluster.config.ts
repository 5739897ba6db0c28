import path from "node:path";
import { defineConfig } from "vitest/config";

// The cluster test (`npx vitest run -c vitest.cluster.config.ts`, a step of scripts/test.sh after the
// production build): two instances of the built app behind nginx from deploy/, on PostgreSQL.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    name: "cluster",
    include: ["tests/cluster/**/*.test.ts"],
    // Its steps build on each other (one cluster, started once), so they run in order, in one file.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
