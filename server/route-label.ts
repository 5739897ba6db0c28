import fs from "node:fs";
import path from "node:path";
import { DEVICE_API_PREFIX, findDeviceRoute } from "./device-api/endpoints";

/** A page or route handler of the built app, as `next build` lists it in .next/routes-manifest.json. */
export interface NextRoute {
  page: string;
  regex: string;
}

/** The built app's routes; none before a build (`next dev`, tests), when console requests are unlabelled. */
export function nextRoutesOf(dir: string): NextRoute[] {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, ".next", "routes-manifest.json"), "utf8")) as { staticRoutes?: NextRoute[]; dynamicRoutes?: NextRoute[] };
    // Static routes first, as Next matches them before dynamic ones.
    return [...(manifest.staticRoutes ?? []), ...(manifest.dynamicRoutes ?? [])];
  } catch {
    return [];
  }
}

/** Which part of the app answered (the terminals' API, the console, the server's own endpoints) and by which route. */
export type RouteOf = (method: string, url: string) => { lane: "device" | "console" | "server"; route: string };

/**
 * The route a request went to, as a pattern with bounded values for metrics and logs:
 * `/api/device/v1/updates/:jobId/status`, `/terminals/[serialNumber]`, never a URL with ids or a
 * calendar feed's secret token. `ownPaths` are the production server's own endpoints (/metrics).
 */
export function routeLabeler(nextRoutes: NextRoute[], ownPaths: string[] = []): RouteOf {
  const patterns = nextRoutes.map((route) => ({ page: route.page, regex: new RegExp(route.regex) }));
  return (method, url) => {
    const pathname = url.split("?")[0] ?? "";
    if (pathname.startsWith(`${DEVICE_API_PREFIX}/`)) {
      const found = findDeviceRoute(method, pathname.slice(DEVICE_API_PREFIX.length));
      return { lane: "device", route: "route" in found ? `${DEVICE_API_PREFIX}${found.route.path}` : `${DEVICE_API_PREFIX}/(unknown)` };
    }
    if (ownPaths.includes(pathname)) return { lane: "server", route: pathname };
    if (pathname.startsWith("/_next/")) return { lane: "console", route: "/_next/(asset)" };
    return { lane: "console", route: patterns.find((route) => route.regex.test(pathname))?.page ?? "(unknown)" };
  };
}
