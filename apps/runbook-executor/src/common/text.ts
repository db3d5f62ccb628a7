/** Cuts `text` to at most `max` characters, saying so at the end. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 14)}… [truncated]`;
}
