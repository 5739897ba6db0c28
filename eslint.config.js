import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/** Imports flow app → server → db; these rules keep them from flowing back. */
const layering = [
  {
    files: ["db/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["@/server/*", "@/app/*", "../server/*", "../app/*"], message: "db/ must not import server/ or app/." }] }] },
  },
  {
    files: ["server/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: ["react", "react-dom", "next/navigation"], patterns: [{ group: ["@/app/*", "../app/*"], message: "server/ must not import app/ or React." }] }],
    },
  },
];

/**
 * Settings come from server/env.ts, parsed and checked by its schema; reading process.env elsewhere
 * would bring back unchecked values. Tests set variables, scripts read their own options, and the
 * tool configurations run outside the app.
 */
const oneEnvironment = [
  {
    files: ["**/*.{js,mjs,ts,tsx}"],
    ignores: ["server/env.ts", "tests/**", "scripts/**", "*.config.{js,mjs,ts}"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read settings through server/env.ts (setting, parseEnv), where the schema checks them." }],
    },
  },
];

const config = [
  { ignores: [".next/**", "node_modules/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "db/migrations/**"] },
  ...nextVitals,
  ...nextTs,
  ...layering,
  ...oneEnvironment,
  {
    // A cycle makes the order modules load in matter (a value read before its module ran): code both
    // sides need moves into a module of its own. External packages are not followed, which keeps it fast.
    rules: { "import/no-cycle": ["error", { ignoreExternal: true }] },
    settings: { "import/ignore": ["node_modules"] },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Type-aware: a promise nobody awaits loses its error. React event handlers may be async (React
    // ignores what they return), so JSX attributes are exempt.
    files: ["**/*.{ts,tsx}"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
    },
  },
];

export default config;
