import { describe, expect, it } from "vitest";
import { maskPhone } from "@/server/schemas/masking";

describe("phone masking", () => {
  it("keeps the prefix and the last four digits", () => {
    expect(maskPhone("+8613800138000")).toBe("+86138****8000");
    expect(maskPhone("+14155552671")).toBe("+141****2671");
    expect(maskPhone("12345")).toBe("****");
  });
});
