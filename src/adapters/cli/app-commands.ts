import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Command } from 'commander'
import { checkMirroringUrl } from '../../domain/registry/registered-application.ts'
import { fail } from './fail.ts'
import { fileProblem } from './option-files.ts'
import { addRegistryOption, clientIdArg, table, usageErrorsExit2, withRegistry } from './registry-option.ts'

interface Registered {
  registry: string
}

/** `tenant-mirror apps …`: the applications registered for mirroring (Operations Center). */
export function appCommands(): Command {
  const apps = new Command('apps').description('registered partner applications (the Mirroring Task side)')

  addRegistryOption(
    apps
      .command('add')
      .description('register an application with its mirroring URL and public key')
      .requiredOption('--client-id <id>', 'the application id (client id)')
      .requiredOption('--name <name>', 'display name')
      .requiredOption('--url <url>', "the partner's mirroring client service URL")
      .requiredOption('--public-key <file>', 'the key that verifies Authenticate replies: PEM or RSAKeyValue XML')
      .option('--secret <secret>', 'client secret (generated when omitted)')
      .option('--environment <env>', 'SuperOffice environment', 'development')
      .option('--disabled', 'register with mirroring switched off'),
  ).action(
    async (
      o: Registered & {
        clientId: string
        name: string
        url: string
        publicKey: string
        secret?: string
        environment: string
        disabled?: boolean
      },
    ) => {
      const clientId = clientIdArg(o.clientId, '--client-id')
      const name = o.name.trim()
      if (name === '' || name.length > 200 || /[\r\n]/.test(name))
        return fail('--name must be one line of 1 to 200 characters', 2)
      const url = checkMirroringUrl(o.url)
      if (!url.ok) return fail(`--url: ${url.error}`, 2)
      if (!/^[A-Za-z0-9_-]{1,40}$/.test(o.environment)) {
        return fail(
          `--environment '${o.environment.slice(0, 40)}' is not a plain name (development, stage, production, …)`,
          2,
        )
      }
      if (o.secret !== undefined && (o.secret === '' || /\s/.test(o.secret)))
        return fail('--secret must be non-empty without spaces', 2)
      const publicKey = readKey(o.publicKey, '--public-key')
      await withRegistry(o.registry, async (registry) => {
        if (await registry.application(clientId)) return fail(`application ${clientId} is already registered`)
        await registry.addApplication({
          clientId,
          clientSecret: o.secret ?? randomBytes(16).toString('hex'),
          name,
          mirroringEnabled: !o.disabled,
          mirroringUrl: url.value,
          publicKey,
          environment: o.environment,
        })
        process.stdout.write(`registered ${clientId}\n`)
      })
    },
  )

  addRegistryOption(apps.command('list').description('list applications').option('--json', 'as JSON')).action(
    async (o: Registered & { json?: boolean }) =>
      withRegistry(o.registry, async (registry) => {
        const all = (await registry.applications()).map((a) => ({ ...a, clientSecret: '***' }))
        if (o.json) return void process.stdout.write(`${JSON.stringify(all, null, 2)}\n`)
        process.stdout.write(
          table([
            ['CLIENT ID', 'NAME', 'ENABLED', 'ENVIRONMENT', 'MIRRORING URL'],
            ...all.map((a) => [a.clientId, a.name, a.mirroringEnabled ? 'yes' : 'no', a.environment, a.mirroringUrl]),
          ]),
        )
      }),
  )

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    addRegistryOption(
      apps.command(name).description(`${name} mirroring for an application`).argument('<client-id>'),
    ).action(async (id: string, o: Registered) => {
      const clientId = clientIdArg(id)
      await withRegistry(o.registry, async (registry) => {
        if (!(await registry.updateApplication(clientId, { mirroringEnabled: enabled }))) return unknown(clientId)
        process.stdout.write(`${clientId}: mirroring ${enabled ? 'enabled' : 'disabled'}\n`)
      })
    })
  }

  addRegistryOption(
    apps
      .command('set-url')
      .description("change an application's mirroring URL")
      .argument('<client-id>')
      .argument('<url>'),
  ).action(async (id: string, value: string, o: Registered) => {
    const clientId = clientIdArg(id)
    const url = checkMirroringUrl(value)
    if (!url.ok) return fail(url.error, 2)
    await withRegistry(o.registry, async (registry) => {
      if (!(await registry.updateApplication(clientId, { mirroringUrl: url.value }))) return unknown(clientId)
      process.stdout.write(`${clientId}: mirroring URL ${url.value}\n`)
    })
  })

  addRegistryOption(
    apps
      .command('set-key')
      .description("replace an application's public key")
      .argument('<client-id>')
      .argument('<file>'),
  ).action(async (id: string, file: string, o: Registered) => {
    const clientId = clientIdArg(id)
    const publicKey = readKey(file, '<file>')
    await withRegistry(o.registry, async (registry) => {
      if (!(await registry.updateApplication(clientId, { publicKey }))) return unknown(clientId)
      process.stdout.write(`${clientId}: public key replaced\n`)
    })
  })
  return usageErrorsExit2(apps)
}

/** The key is stored as given; only its form is checked here, the task parses it per cycle. */
function readKey(file: string, label: string): string {
  let text: string
  try {
    text = readFileSync(file, 'utf8').trim()
  } catch (error) {
    return fail(`${label}: ${fileProblem(file, error)}`, 2)
  }
  if (!/^-----BEGIN (RSA )?PUBLIC KEY-----/.test(text) && !text.startsWith('<RSAKeyValue>')) {
    return fail(`${label}: ${file} is not a PEM public key or an RSAKeyValue XML key`, 2)
  }
  return text
}

function unknown(clientId: string): never {
  return fail(`no application ${clientId}`)
}
