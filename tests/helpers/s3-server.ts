import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";

/** An S3-compatible server (s3rver) in this process on a free port, with one empty bucket kept in a fresh temporary folder. */
export async function startS3Server() {
  const directory = await fs.promises.mkdtemp(path.join(os.tmpdir(), "posfleet-s3-"));
  const bucket = "posfleet-test";
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const options = { bucket, region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
  });
  return {
    options,
    /** Every key in the bucket, to see what a store kept or left behind. */
    keys: async () => ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((object) => object.Key!).sort(),
    async close() {
      client.destroy();
      // The stores' clients keep their connections open; they would hold the server's close.
      server.httpServer.closeAllConnections();
      await server.close();
      await fs.promises.rm(directory, { recursive: true, force: true });
    },
  };
}
