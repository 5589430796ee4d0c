import { type RequestDescription, refusal } from '../errors/request-error.js';
import type { Deadline } from './link-deadline.js';
import { discard } from './redirect-target.js';

/**
 * Reads a body as text while counting its bytes (after decompression). Past `limit` the read
 * stops and the connection is dropped: an error (`maxResponseBytes`), or, with `truncate`, the
 * text read so far (for error bodies, of which only the vendor's message is wanted).
 */
export async function readBody(
  response: Response,
  limit: number,
  request: RequestDescription,
  deadline: Deadline,
  { truncate = false }: { truncate?: boolean } = {},
): Promise<string> {
  const tooLarge = () => {
    deadline.abort();
    return refusal(
      request,
      response.status,
      `the body is larger than maxResponseBytes (${formatBytes(limit)}); raise maxResponseBytes if the vendor's pages are that large`,
    );
  };
  const declared = Number(response.headers.get('content-length'));
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  if (!truncate && !encoded && Number.isFinite(declared) && declared > limit) {
    discard(response);
    throw tooLarge();
  }
  const stream = response.body;
  if (stream === null) return '';
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk: Uint8Array = value;
    bytes += chunk.byteLength;
    if (bytes > limit) {
      reader.cancel().catch(() => undefined);
      if (!truncate) throw tooLarge();
      parts.push(decoder.decode(chunk.subarray(0, chunk.byteLength - (bytes - limit))));
      return parts.join('');
    }
    parts.push(decoder.decode(chunk, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.length === 1 ? (parts[0] ?? '') : parts.join('');
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${bytes} bytes = ${mib} MiB` : `${bytes} bytes`;
}
