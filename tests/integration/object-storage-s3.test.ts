import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/db/client";
import { firmwareReleases, terminals } from "@/db/schema";
import { rolloutCreateInput } from "@/server/schemas/firmware";
import { reissueDeviceToken } from "@/server/services/device-tokens";
import { createRelease, setReleaseStatus } from "@/server/services/firmware";
import { createRollout } from "@/server/services/rollouts";
import { createTestDatabase, demoEmails } from "../helpers/db";
import { asFirmwareImage } from "../helpers/firmware-image";
import { startS3Server } from "../helpers/s3-server";
import { sessionCookie } from "../helpers/sessions";

const testDb = vi.hoisted(() => ({ handle: undefined as DbHandle | undefined }));
vi.mock(import("@/server/db"), async (importOriginal) => ({ ...(await importOriginal()), getDb: async () => testDb.handle!.db, getDatabase: async () => testDb.handle! }));

type Route = (req: Request, segments: { params: Promise<Record<string, string>> }) => Promise<Response>;

let handle: DbHandle;
let s3: Awaited<ReturnType<typeof startS3Server>>;
const actor = { id: null, label: "test", ip: null };
const image = asFirmwareImage(Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 253)));

beforeAll(async () => {
  s3 = await startS3Server();
  // Read when the app first stores something, as in a deployment with STORAGE=s3.
  vi.stubEnv("STORAGE", "s3");
  vi.stubEnv("S3_BUCKET", s3.options.bucket);
  vi.stubEnv("S3_ENDPOINT", s3.options.endpoint);
  vi.stubEnv("S3_ACCESS_KEY_ID", s3.options.accessKeyId);
  vi.stubEnv("S3_SECRET_ACCESS_KEY", s3.options.secretAccessKey);
  vi.stubEnv("S3_PREFIX", "firmware");
  handle = await createTestDatabase();
  testDb.handle = handle;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await handle?.close();
  await s3?.close();
});

describe("firmware images in an S3 bucket (STORAGE=s3)", () => {
  it("go up through the console's upload route and down to a terminal by Range", async () => {
    const [terminal] = await handle.db.select().from(terminals).where(eq(terminals.serialNumber, "DEMO-0004"));
    const release = await createRelease(handle.db, actor, { version: "40.0.0", modelIds: [terminal!.modelId], channel: "stable", notes: "", isRollback: false });

    const imageRoute = (await import("@/app/api/firmware/releases/[id]/image/route")) as unknown as Record<"PUT", Route>;
    const upload = await imageRoute.PUT(
      new Request(`http://localhost:3000/api/firmware/releases/${release.id}/image`, {
        method: "PUT",
        headers: { cookie: await sessionCookie(demoEmails.admin, "192.0.2.41"), "x-file-name": "p2-40.bin", "content-type": "application/octet-stream" },
        body: new Blob([image]).stream(),
        duplex: "half",
      } as RequestInit),
      { params: Promise.resolve({ id: release.id }) },
    );
    expect(upload.status).toBe(200);
    const sha256 = createHash("sha256").update(image).digest("hex");
    expect(await upload.json()).toEqual({ sizeBytes: image.length, sha256 });
    const [stored] = await handle.db.select({ storageKey: firmwareReleases.storageKey }).from(firmwareReleases).where(eq(firmwareReleases.id, release.id));
    expect(await s3.keys()).toEqual([`firmware/${stored!.storageKey}`]);

    await setReleaseStatus(handle.db, actor, release.id, "published");
    await createRollout(handle.db, actor, rolloutCreateInput.parse({ name: "s3", releaseId: release.id, target: { serialNumbers: ["DEMO-0004"] } }));
    const { deviceToken } = await reissueDeviceToken(handle.db, actor, terminal!.id);
    const downloadRoute = (await import("@/app/api/device/v1/firmware/[releaseId]/route")) as unknown as Record<"GET", Route>;
    const download = (range: string) =>
      downloadRoute.GET(new Request(`http://localhost:3000/api/device/v1/firmware/${release.id}`, { headers: { authorization: `Bearer ${deviceToken}`, range } }), {
        params: Promise.resolve({ releaseId: release.id }),
      });

    const part = await download("bytes=150000-150999");
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 150000-150999/${image.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(image.subarray(150_000, 151_000))).toBe(true);
    const rest = await download("bytes=299990-");
    expect(Buffer.from(await rest.arrayBuffer()).equals(image.subarray(299_990))).toBe(true);
  });
});
