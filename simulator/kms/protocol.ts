import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** AWS JSON 1.1, the protocol of KMS: `POST /`, `X-Amz-Target: TrentService.<Operation>`, JSON bodies. */
export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const TARGET_PREFIX = 'TrentService.';

/** Blobs travel as base64 strings; everything else as plain JSON. */
export function encodeJsonBody(value: object): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    member instanceof Uint8Array ? Buffer.from(member).toString('base64') : member,
  );
}

export function sendJson(response: ServerResponse, status: number, body: object): void {
  const text = encodeJsonBody(body);
  response.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(text);
}
