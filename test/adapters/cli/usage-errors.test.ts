import { Command, Option } from 'commander'
import { describe, expect, it } from 'vitest'
import { withVariables } from '../../../src/adapters/cli/usage-errors.ts'

const command = new Command('serve')
  .addOption(new Option('--port <n>', 'port').env('PORT'))
  .addOption(new Option('--max-body-bytes <n>', 'body').env('MIRROR_MAX_BODY_BYTES'))
  .addOption(new Option('--max-inflight-bytes <n>', 'in flight').env('MIRROR_MAX_INFLIGHT_BYTES'))
  .addOption(new Option('--tenant-layout <layout>', 'layout').env('MIRROR_TENANT_LAYOUT'))
  .addOption(new Option('--name <name>', 'no variable'))

describe('withVariables', () => {
  it('follows each flag with its environment variable, read from the option', () => {
    expect(withVariables('--port must be a number', command)).toBe('--port (PORT) must be a number')
    expect(withVariables('--max-body-bytes (1) must not exceed --max-inflight-bytes (2)', command)).toBe(
      '--max-body-bytes (MIRROR_MAX_BODY_BYTES) (1) must not exceed --max-inflight-bytes (MIRROR_MAX_INFLIGHT_BYTES) (2)',
    )
  })

  it('leaves flags without a variable, unknown flags, longer flags and named variables alone', () => {
    expect(withVariables('--name must be one line', command)).toBe('--name must be one line')
    expect(withVariables('--colour is unknown, --port-range too', command)).toBe(
      '--colour is unknown, --port-range too',
    )
    expect(withVariables('--queue postgres://… (PORT) is needed for --port', command)).toBe(
      '--queue postgres://… (PORT) is needed for --port',
    )
    expect(withVariables('--port must be a number', undefined)).toBe('--port must be a number')
  })

  it("rewrites commander's quoted flags", () => {
    expect(withVariables("option '--tenant-layout <layout>' argument 'flat' is invalid.", command)).toBe(
      "option --tenant-layout (MIRROR_TENANT_LAYOUT) argument 'flat' is invalid.",
    )
  })
})
