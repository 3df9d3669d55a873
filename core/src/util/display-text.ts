/**
 * Text that users wrote (authors, messages, rule and fixture names, a rule's
 * reasoning) is printed by many commands. Printed raw, a newline forges a table row
 * and an escape sequence repaints the terminal, so every printer puts user text
 * through `displayText` (for text output) or `safeJson` (for JSON output).
 *
 * Escaped: C0 controls (newline, tab, ESC, …), DEL, C1 controls (0x9b is a one-byte
 * CSI), the line and paragraph separators, and the bidirectional controls that make
 * text read differently from how it is stored ("Trojan Source"). They become `\n`,
 * `\t`, `\r` or `\u{…}`, so the text stays readable and the escape is visible.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return `\\u{${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}}`;
}

export function displayText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** `"text"` with its quotes and backslashes escaped too, for a field printed in quotes. */
export function quotedText(text: string): string {
  return `"${displayText(text.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
}

/**
 * JSON.stringify escapes C0 controls but passes C1 and bidirectional controls through
 * raw; this writes those as \uXXXX too. The result parses to the same data.
 */
export function safeJson(value: unknown, indent?: number): string {
  return escapeJsonText(JSON.stringify(value, null, indent));
}

/** The same for JSON text already written (a log line): still valid JSON, same data. */
export function escapeJsonText(json: string): string {
  return json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`);
}
