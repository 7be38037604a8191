import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { S3BlobStore } from '../../src/adapters/blobs/s3-blob-store.js';

/** A local S3-compatible server with one empty bucket, on an ephemeral loopback port. */
export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** The variables that point the app at this bucket. */
  env: Record<string, string>;
  /** Keys of every object in the bucket, sorted. */
  keys(): Promise<string[]>;
  /** Our blob store on this bucket (close it when done). */
  blobStore(): S3BlobStore;
  close(): Promise<void>;
}

// s3rver accepts any request signed with this fixed key pair.
const ACCESS_KEY = 'S3RVER';

export async function startLocalS3(bucket = 'messenger-test'): Promise<LocalS3> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'msg-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: ACCESS_KEY,
    },
    blobStore: () =>
      new S3BlobStore({ bucket, region: 'us-east-1', endpoint, forcePathStyle: true, accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY }),
    keys: async () => {
      const res = await fetch(`${endpoint}/${bucket}?list-type=2`);
      const xml = await res.text();
      return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!).sort();
    },
    close: async () => {
      await server.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
