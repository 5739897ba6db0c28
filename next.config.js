import createNextIntlPlugin from "next-intl/plugin";

const withNextIntl = createNextIntlPlugin("./app/_lib/i18n.ts");

/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships WASM and data files that must be loaded from node_modules, not bundled. prom-client
  // is loaded from there too, so Next's bundle and server/main.ts share one copy of it.
  serverExternalPackages: ["@electric-sql/pglite", "prom-client"],
  poweredByHeader: false,
};

export default withNextIntl(nextConfig);
