import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ServiceConfig } from '../bootstrap/config.ts'
import type { TaskConfig } from '../bootstrap/task-config.ts'
import { loadPrivateKey } from '../crypto/private-key.ts'
import { loadVerificationKey } from '../crypto/verification-keys.ts'
import { fail } from './fail.ts'
import { USAGE_ERROR_EXIT } from './usage-errors.ts'

/**
 * Reads (and with `load`, parses) a file an option names, or stops with exit 2 naming the
 * option, its environment variable and the file:
 * `--private-key (MIRROR_PRIVATE_KEY): cannot read ./keys/nope.pem: no such file`.
 */
export function loadOptionFile<T>(flag: string, file: string, load: (file: string) => T): T {
  try {
    return load(file)
  } catch (error) {
    return fail(`${flag}: ${fileProblem(file, error)}`, USAGE_ERROR_EXIT)
  }
}

/** The keys and certificates `serve` and `replay` are configured with, read before anything starts. */
export function checkServiceFiles(config: ServiceConfig): void {
  loadOptionFile('--private-key', config.privateKeyFile, loadPrivateKey)
  if (config.federated.kind === 'files') {
    for (const file of config.federated.files) loadOptionFile('--federated-cert', file, loadVerificationKey)
  }
}

/** The task's token-signing key and certificate, read before the registry opens. */
export function checkTaskFiles(config: TaskConfig): void {
  loadOptionFile('--signing-key', config.signingKeyFile, (file) => {
    const text = readFileSync(file)
    try {
      return createPrivateKey(text)
    } catch {
      throw new Error(`${file} is not a readable private key (PEM)`)
    }
  })
  loadOptionFile('--signing-cert', config.signingCertFile, (file) => {
    const content = readFileSync(file)
    try {
      return new X509Certificate(content)
    } catch {
      throw new Error(`${file} is not a readable X.509 certificate (PEM or DER)`)
    }
  })
}

const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
}

/**
 * Why a file could not be used, in one line that names it: Node's `ENOENT: no such file or
 * directory, open '…'` becomes `cannot read … : no such file`. A parser's message is kept (the
 * loaders never put a key's content in one).
 */
export function fileProblem(file: string, error: unknown): string {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException
  if (syscall && code && FILE_PROBLEMS[code]) return `cannot read ${file}: ${FILE_PROBLEMS[code]}`
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!
  return message.includes(file) ? message : `${file}: ${message}`
}
