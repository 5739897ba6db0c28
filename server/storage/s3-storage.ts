import { randomUUID } from "node:crypto";
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { logger } from "../logger";
import { checkedKey, measured, MissingObjectError, type ByteRange, type ObjectStorage } from "./object-storage";

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** For MinIO, Ceph and other S3-compatible servers; AWS itself needs none. */
  endpoint?: string;
  /** Without them the SDK's default chain applies (environment, profile, instance or pod role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** The bucket in the path rather than the host name; most S3-compatible servers want it (default: with an endpoint). */
  forcePathStyle?: boolean;
  /** Put before every key, e.g. "posfleet/", to share a bucket with other data. */
  prefix?: string;
}

/** Objects in an S3-compatible bucket. */
export function s3Storage(options: S3StorageOptions): ObjectStorage {
  const { bucket, endpoint, accessKeyId, secretAccessKey, prefix = "" } = options;
  const client = new S3Client({
    region: options.region,
    endpoint,
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    // Several S3-compatible servers refuse the SDK's default CRC checksum headers; the sha256 we
    // compute already covers the bytes.
    ...(endpoint ? { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } : {}),
  });
  const objectKey = (key: string) => prefix + checkedKey(key);
  return {
    async put(body, maxBytes) {
      const key = randomUUID();
      const { stream, failure, stored } = measured(body, maxBytes);
      // A multipart upload holds a few 5 MiB parts in memory, never the whole object; when the body
      // fails (or passes maxBytes) it is aborted and its parts are discarded.
      try {
        await new Upload({ client, params: { Bucket: bucket, Key: objectKey(key), Body: stream, ContentType: "application/octet-stream" } }).done();
      } catch (error) {
        // When the abort fails too, the upload reports that instead of the body's failure, which
        // is what the uploader must hear (413 for too large).
        if (failure() && error !== failure()) logger.warn({ err: error }, "S3: an unfinished multipart upload could not be aborted; its parts stay until a bucket lifecycle rule removes them.");
        throw failure() ?? error;
      }
      return stored(key);
    },
    async read(key, range) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(key), Range: range && `bytes=${range.start}-${range.end}` }));
        const body = object.Body!.transformToWebStream();
        return range ? exactly(range, object.ContentRange, body) : body;
      } catch (error) {
        throw error instanceof NoSuchKey ? new MissingObjectError(key) : error;
      }
    },
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
    },
  };
}

/**
 * Exactly the bytes of `range` out of a ranged GET's body. Not every S3-compatible server answers
 * a range exactly (s3rver sends all of "bytes=0-0" from byte 0 on; a gateway may ignore Range and
 * send the whole object), and the download response has already promised its Content-Length.
 */
function exactly(range: ByteRange, contentRange: string | undefined, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const servedFrom = Number(/^bytes (\d+)-/.exec(contentRange ?? "")?.[1] ?? 0);
  if (servedFrom > range.start) throw new Error(`The object store answered bytes ${servedFrom}- for bytes ${range.start}-${range.end}.`);
  let skip = range.start - servedFrom;
  let left = range.end - range.start + 1;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const dropped = Math.min(skip, chunk.byteLength);
        skip -= dropped;
        const wanted = chunk.subarray(dropped, dropped + left);
        left -= wanted.byteLength;
        if (wanted.byteLength) controller.enqueue(wanted);
        // Ends the stream and cancels the rest of the GET.
        if (left === 0) controller.terminate();
      },
    }),
  );
}
