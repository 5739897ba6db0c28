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
      "no-restricted-imports": [
        "error",
        { paths: ["react", "react-dom", "next/navigation"], patterns: [{ group: ["@/app/*", "../app/*"], message: "server/ must not import app/ or React." }] },
      ],
    },
  },
];

const config = [
  { ignores: [".next/**", "node_modules/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "db/migrations/**"] },
  ...nextVitals,
  ...nextTs,
  ...layering,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
];

export default config;
