import { describe, expect, it } from "vitest";
import { authRequireMfa } from "@/server/env";

describe("AUTH_REQUIRE_MFA", () => {
  it("requires admins to use a second factor in production mode and nobody in demo mode, unless set", () => {
    expect(authRequireMfa({ NODE_ENV: "production", SEED_DEMO: "0" } as NodeJS.ProcessEnv)).toBe("admin");
    expect(authRequireMfa({ NODE_ENV: "production" } as NodeJS.ProcessEnv)).toBe("none");
    expect(authRequireMfa({ NODE_ENV: "production", SEED_DEMO: "0", AUTH_REQUIRE_MFA: "none" } as NodeJS.ProcessEnv)).toBe("none");
    expect(authRequireMfa({ NODE_ENV: "development", AUTH_REQUIRE_MFA: "admin" } as NodeJS.ProcessEnv)).toBe("admin");
  });

  it("refuses a value it does not know", () => {
    expect(() => authRequireMfa({ NODE_ENV: "development", AUTH_REQUIRE_MFA: "all" } as NodeJS.ProcessEnv)).toThrow(/AUTH_REQUIRE_MFA must be "admin" or "none", not "all"/);
  });
});
