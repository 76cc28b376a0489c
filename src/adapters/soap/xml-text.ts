// Characters XML 1.0 cannot carry at all (C0 controls but tab, newline, carriage return).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g
const SPECIAL = /[&<>]/g
// biome-ignore lint/suspicious/noControlCharactersInRegex: as INVALID, with the characters escaped below.
const NEEDS_WORK = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF&<>\r]/
const ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }

/** Escapes element text; `\r` becomes `&#xD;` so that it survives the reader's line-end normalisation. */
export function escapeXml(text: string): string {
  // Most values (every encoded number and date, most names) need nothing: one scan, no copies.
  if (!NEEDS_WORK.test(text)) return text
  return text
    .replace(INVALID, '')
    .replace(SPECIAL, (c) => ENTITY[c]!)
    .replaceAll('\r', '&#xD;')
}

/** `<Name>text</Name>`, or `<Name/>` for the empty string, as the reference writes it. */
export function element(name: string, text: string): string {
  return text === '' ? `<${name}/>` : `<${name}>${escapeXml(text)}</${name}>`
}
