import { describe, expect, it } from "vitest";
import { pathDecodes } from "@/server/request-path";

describe("pathDecodes", () => {
  it("accepts plain and well-formed percent-encoded paths", () => {
    expect(pathDecodes("/terminals/DEMO-0001")).toBe(true);
    expect(pathDecodes("/terminals/%E4%B8%AD")).toBe(true);
    expect(pathDecodes("/terminals/100%25")).toBe(true);
  });

  it("refuses an escape that is cut short, not hex, or not UTF-8", () => {
    expect(pathDecodes("/terminals/%E0%A4%A")).toBe(false);
    expect(pathDecodes("/notices/%zz")).toBe(false);
    expect(pathDecodes("/api/calendar/%.ics")).toBe(false);
    expect(pathDecodes("/terminals/%C0%AF")).toBe(false);
  });

  it("looks at the path only: the query is parsed leniently downstream", () => {
    expect(pathDecodes("/terminals?q=%zz")).toBe(true);
  });
});
