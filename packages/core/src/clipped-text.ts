/** The most of a caller's text that a refusal message, and so a log line, repeats. */
export const MAX_ECHOED_CHARACTERS = 128;

/**
 * A caller's text as a refusal message repeats it: at most {@link MAX_ECHOED_CHARACTERS}
 * characters, then how long it really was, so a 16 KiB `Host` header does not reach every
 * answer and log line whole.
 */
export function clippedText(text: string): string {
  return text.length <= MAX_ECHOED_CHARACTERS
    ? text
    : `${text.slice(0, MAX_ECHOED_CHARACTERS)}… (${text.length} characters)`;
}
