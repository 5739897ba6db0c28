import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "@/server/logger";
import { requestIdOf } from "@/server/request-log";
import { nextRoutesOf, routeLabeler } from "@/server/route-label";

describe("logger", () => {
  it("redacts credentials wherever a log call puts them", () => {
    let written = "";
    const log = createLogger(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          written += chunk.toString();
          done();
        },
      }),
      {},
    );
    log.info({
      req: { headers: { authorization: "Bearer pfd_device-token-1", cookie: "session=cookie-value-1" } },
      user: { password: "password-value-1", newPassword: "password-value-2" },
      sms: { params: { code: "493817" } },
      activation: { body: { code: "582046" } },
      deviceToken: "pfd_device-token-2",
    });
    const line = JSON.parse(written) as { level: string; req: { headers: { authorization: string } } };
    expect(line.level).toBe("info");
    expect(line.req.headers.authorization).toBe("[redacted]");
    for (const secret of ["pfd_device-token-1", "cookie-value-1", "password-value-1", "password-value-2", "493817", "582046", "pfd_device-token-2"]) {
      expect(written).not.toContain(secret);
    }
  });
});

describe("request ids", () => {
  it("keeps a caller's plain token and replaces anything else", () => {
    expect(requestIdOf("0af7651916cd43dd8448eb211c80319c")).toBe("0af7651916cd43dd8448eb211c80319c");
    for (const unsafe of [undefined, "", "a b", '"}', "x".repeat(129), ["a", "b"]]) expect(requestIdOf(unsafe)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("route labels", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "posfleet-routes-"));
  fs.mkdirSync(path.join(dir, ".next"));
  fs.writeFileSync(
    path.join(dir, ".next", "routes-manifest.json"),
    JSON.stringify({
      staticRoutes: [{ page: "/terminals", regex: "^/terminals(?:/)?$" }],
      dynamicRoutes: [
        { page: "/api/calendar/[token]", regex: "^/api/calendar/([^/]+?)(?:/)?$" },
        { page: "/terminals/[serialNumber]", regex: "^/terminals/([^/]+?)(?:/)?$" },
      ],
    }),
  );
  const routeOf = routeLabeler(nextRoutesOf(dir), ["/metrics"]);

  it("names patterns, never ids or tokens", () => {
    expect(routeOf("POST", "/api/device/v1/heartbeat")).toEqual({ lane: "device", route: "/api/device/v1/heartbeat" });
    expect(routeOf("POST", "/api/device/v1/notices/5d1c/ack?x=1")).toEqual({ lane: "device", route: "/api/device/v1/notices/:noticeId/ack" });
    expect(routeOf("GET", "/api/device/v1/heartbeat")).toEqual({ lane: "device", route: "/api/device/v1/(unknown)" });
    expect(routeOf("GET", "/terminals")).toEqual({ lane: "console", route: "/terminals" });
    expect(routeOf("GET", "/terminals/DEMO-0001")).toEqual({ lane: "console", route: "/terminals/[serialNumber]" });
    expect(routeOf("GET", "/api/calendar/secret-feed-token-123456.ics")).toEqual({ lane: "console", route: "/api/calendar/[token]" });
    expect(routeOf("GET", "/_next/static/chunks/abc.js")).toEqual({ lane: "console", route: "/_next/(asset)" });
    expect(routeOf("GET", "/wp-login.php")).toEqual({ lane: "console", route: "(unknown)" });
    expect(routeOf("GET", "/metrics")).toEqual({ lane: "server", route: "/metrics" });
  });

  it("labels nothing of the console before a build", () => {
    expect(nextRoutesOf(path.join(dir, "missing"))).toEqual([]);
  });
});
