/** `text` as a literal inside a regular expression (a search box's words, an address). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
