// Control-character checks without control characters in regular expressions.

function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/** True when text holds a character that is not allowed in an HTTP header value (controls other than tab). */
export function hasHeaderUnsafeChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isControl(code) && code !== 0x09) return true;
  }
  return false;
}

/** Replace each run of control characters with one space (keeps a table row on one line). */
export function flattenControlChars(text: string): string {
  let out = '';
  let inRun = false;
  for (const ch of text) {
    const control = isControl(ch.charCodeAt(0));
    if (control && !inRun) out += ' ';
    else if (!control) out += ch;
    inRun = control;
  }
  return out;
}
