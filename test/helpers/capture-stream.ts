import { Writable } from 'node:stream';

/** A stream that collects what is written to it, posing as a terminal (120 x 40) or not. */
export function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk));
        callback();
      },
    }),
    { isTTY, columns: 120, rows: 40 },
  );
  return { stream, text: () => chunks.join('') };
}
