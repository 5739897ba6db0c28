import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "@/db/client";

const dirs: string[] = [];
const tempDataDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "posfleet-lock-"));
  dirs.push(dir);
  return path.join(dir, "pglite");
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("PGlite folder lock", () => {
  it("stops a second opener while another live process holds the folder", async () => {
    const dataDir = tempDataDir();
    const other = spawn("sleep", ["30"]);
    try {
      fs.writeFileSync(`${dataDir}.lock`, String(other.pid));
      expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
      expect(() => lockDataDir(dataDir)).toThrow(`in use by process ${other.pid}`);
    } finally {
      other.kill();
      await new Promise((resolve) => other.once("exit", resolve));
    }
    // Once that process is gone, its lock is stale and is taken over.
    const release = lockDataDir(dataDir);
    expect(fs.readFileSync(`${dataDir}.lock`, "utf8")).toBe(String(process.pid));
    release();
    expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it("refuses a second lock within the same process", () => {
    const dataDir = tempDataDir();
    const release = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    release();
  });
});
