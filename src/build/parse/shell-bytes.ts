// A batch of shells as they cross back from a shell worker (worker.ts → pool.ts): each long piece
// of text as UTF-8 bytes in one buffer per batch, moved to the build's thread, not copied. As
// strings, the build's thread copied each answer out of the message, cut a page's text at its slot
// markers and encoded every piece again to write it: a newsroom's 1,800 story and tag pages and
// 3,600 feed shells (~50 MB of text), in the render and write where it is the busy thread while the
// worker's core has room (settled pairs: that phase 6.4 → 5.8 s). Encoding is the worker's now; the bytes are the
// same (the writer encodes text as UTF-8, src/io/write-outputs.ts).

/** Pieces shorter than this stay text: separators and slot names (the writer encodes each once). */
const BYTES_FROM = 64;

/** The answers with their long pieces as views of one buffer, and that buffer to move. */
export function encodeShellPieces<A extends { shell?: readonly string[] }>(answers: readonly A[]): { answers: Array<Omit<A, 'shell'> & { shell?: ReadonlyArray<string | Uint8Array> }>; transfer: ArrayBuffer[] } {
  let total = 0;
  for (const a of answers) for (const piece of a.shell ?? []) if (piece.length >= BYTES_FROM) total += Buffer.byteLength(piece, 'utf8');
  if (total === 0) return { answers: [...answers], transfer: [] };
  // Not Buffer.from: a small one is a slice of Node's shared pool, which cannot be moved.
  const buffer = new ArrayBuffer(total);
  const bytes = Buffer.from(buffer);
  let at = 0;
  const encoded = answers.map((a) => {
    if (!a.shell) return a;
    const shell = a.shell.map((piece) => {
      if (piece.length < BYTES_FROM) return piece;
      const length = bytes.write(piece, at, 'utf8');
      const view = new Uint8Array(buffer, at, length);
      at += length;
      return view;
    });
    return { ...a, shell };
  });
  return { answers: encoded, transfer: [buffer] };
}
