/**
 * A regular-expression source for element text that reads as it is written (plainText's rules in
 * xml-scanner.ts): no reference, no `\r` or other control character XML forbids, no surrogate,
 * no `]]>`. The captures that read the Mirroring Task's own spelling without the scanner take
 * only such text; anything else is left to the scanner.
 */
const CHAR = '[^<&\\]\\x00-\\x08\\x0b-\\x1f\\ud800-\\udfff\\ufffe\\uffff]'
export const PLAIN_TEXT = `${CHAR}*(?:\\](?!\\]>)${CHAR}*)*`
