import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const SAMPLE_CLIENT_ID = '6cf25376616343b38d14ddcd804f2891'

export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url))
}

export function samplePath(name: string): string {
  return fixturePath(`superoffice/samples/${name}`)
}

export function readSample(name: string): string {
  return readFileSync(samplePath(name), 'utf8')
}

/** The replay order of the captured samples, as the issue gives it. */
export const SAMPLE_FILES = [
  'TableSchemaRequest1.xml',
  'SampleRowDataRequest.xml',
  'SampleWipeRequest.xml',
  'ReplicationCompletedRequest.xml',
  'SampleAuthenticateRequest.xml',
] as const
