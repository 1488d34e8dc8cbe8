// Bytes that are not UTF-8, shown to people: a file name with its odd bytes written out, and where
// in a file the first line that does not decode is. Pure: read-sources.ts does the reading.

import { isUtf8 } from 'node:buffer';
import { FILE_START } from '../core/diagnostics.js';

/** A name as a person can find it: the bytes that are not UTF-8 written as `\xE9`. */
export function printableName(bytes: Buffer): string {
  let out = '';
  let at = 0;
  while (at < bytes.length) {
    // The longest run from here that decodes: a valid sequence is 1 to 4 bytes long.
    let length = 0;
    for (let n = Math.min(4, bytes.length - at); n >= 1; n--) {
      if (isUtf8(bytes.subarray(at, at + n))) {
        length = n;
        break;
      }
    }
    if (length === 0) {
      out += `\\x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')}`;
      at += 1;
    } else {
      out += bytes.subarray(at, at + length).toString('utf8');
      at += length;
    }
  }
  return out;
}

/** Line and column of the first line that is not UTF-8 (0x0A never occurs inside a multi-byte sequence). */
export function firstInvalidUtf8(bytes: Buffer): { line: number; column: number } {
  let line = 1;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const chunk = bytes.subarray(start, end);
    if (!isUtf8(chunk)) {
      const column = chunk.toString('utf8').indexOf('\uFFFD') + 1;
      return { line, column: Math.max(column, 1) };
    }
    line += 1;
    start = end + 1;
  }
  return FILE_START;
}
