import { type NamespaceScope, namespaceIn } from '../xml/xml-scanner.ts'
import { XSI_NS } from '../xml/xml-tree.ts'
import { NS } from './namespaces.ts'

/**
 * What the captures that read the Mirroring Task's own spelling (WCF's compact output) without
 * the scanner share; anything not spelled so is left to the scanner.
 *
 * PLAIN_TEXT is a regular-expression source for element text that reads as it is written
 * (plainText's rules in xml-scanner.ts): no reference, no `\r` or other control character XML
 * forbids, no surrogate, no `]]>`.
 */
const CHAR = '[^<&\\]\\x00-\\x08\\x0b-\\x1f\\ud800-\\udfff\\ufffe\\uffff]'
export const PLAIN_TEXT = `${CHAR}*(?:\\](?!\\]>)${CHAR}*)*`

/** Whether `a` and `i` mean, in a scope, the contract's and XML Schema instance's namespaces, as the task binds them; remembered for the last scope. */
export class CanonicalPrefixes {
  #scope: NamespaceScope | undefined
  #bound = false

  boundIn(scope: NamespaceScope): boolean {
    if (scope !== this.#scope) {
      this.#scope = scope
      this.#bound = namespaceIn(scope, 'a') === NS.contract && namespaceIn(scope, 'i') === XSI_NS
    }
    return this.#bound
  }
}
