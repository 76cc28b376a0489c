/** Shortens wire text quoted in an error message, so that a 10 KB name cannot flood a reply or a log. */
export function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
