/**
 * The one way text that came from a file (or a file's name) enters a message: control characters and
 * other non-printables are written as escapes, so a file name with a newline prints one line and ANSI
 * escape sequences in a header cannot recolour the terminal; long text is cut with an ellipsis.
 * Pure, no dependencies: formats/types.ts re-exports it for the layers that may only import that file.
 */

/**
 * Code points that must not reach a terminal raw: C0/C1 controls and DEL (\p{Cc}), format characters
 * such as bidirectional overrides and zero-width joiners (\p{Cf}), line and paragraph separators,
 * private-use, unassigned and lone surrogate code points.
 */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]/gu;

const ELLIPSIS = '…';

function escapeCodePoint(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
}

/**
 * `s` made safe to print on one line: every non-printable code point as `\xNN` (up to U+00FF) or
 * `\u{…}`, then cut to at most `max` characters (its head and its tail around an ellipsis, so both
 * the start of a header and the end of a path stay visible). Backslashes are left alone (Windows
 * paths read as they are), so the function is idempotent: escaping its output changes nothing.
 * `max` <= 0 or Infinity: no cut.
 */
export function quoteForMessage(s: string, max = 80): string {
  // Cut first on the raw text (bounded work on a huge header), with room for the escapes.
  let text = String(s);
  if (max > 0 && Number.isFinite(max) && text.length > 4 * max) {
    text = `${text.slice(0, 2 * max)}${ELLIPSIS}${text.slice(-2 * max)}`;
  }
  const escaped = text.replace(NON_PRINTABLE, escapeCodePoint);
  if (!(max > 0) || !Number.isFinite(max) || escaped.length <= max) return escaped;
  const keep = Math.max(1, max - 1);
  const head = Math.ceil(keep * 0.6);
  const tail = keep - head;
  return `${cutAt(escaped, head, 'head')}${ELLIPSIS}${tail > 0 ? cutAt(escaped, tail, 'tail') : ''}`;
}

/** The first (or last) `n` characters, never splitting an escape such as `\x1b` or `\u{202e}` or a surrogate pair. */
function cutAt(s: string, n: number, side: 'head' | 'tail'): string {
  if (side === 'head') {
    let part = s.slice(0, n);
    const open = part.lastIndexOf('\\');
    if (open >= 0 && open > n - 9) {
      const m = /^\\(x[0-9a-f]{2}|u\{[0-9a-f]+\})/.exec(s.slice(open));
      if (m && open + m[0].length > n) part = part.slice(0, open);
    }
    if (/[\ud800-\udbff]$/.test(part)) part = part.slice(0, -1);
    return part;
  }
  let start = s.length - n;
  // step back to the start of an escape that the cut would split
  for (let k = Math.max(0, start - 9); k < start; k++) {
    if (s[k] !== '\\') continue;
    const m = /^\\(x[0-9a-f]{2}|u\{[0-9a-f]+\})/.exec(s.slice(k));
    if (m && k + m[0].length > start) {
      start = k + m[0].length;
      break;
    }
  }
  if (/^[\udc00-\udfff]/.test(s.slice(start))) start++;
  return s.slice(start);
}

/** Longest file name or path shown whole in a message (longer ones keep their head and tail). */
export const PATH_QUOTE_MAX = 400;

/** A file name or path for a message: escaped, and cut only when absurdly long. */
export function quotePath(path: string): string {
  return quoteForMessage(path, PATH_QUOTE_MAX);
}
