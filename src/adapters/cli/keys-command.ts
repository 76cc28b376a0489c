import { readFileSync } from 'node:fs'
import { Command } from 'commander'
import { generatePartnerKeys, pem } from '../crypto/key-files.ts'
import { keyFromRsaXml } from '../crypto/rsa-key-xml.ts'
import { generateFederatedKeys } from '../task/crypto/federated-keys.ts'
import { fail } from './fail.ts'
import { fileProblem } from './option-files.ts'

export function keysCommand(): Command {
  const keys = new Command('keys').description('partner key pairs')
  keys
    .command('generate')
    .description(
      'create an RSA-2048 pair: private.pem, public.pem and public.xml (for the Developer Portal); with --federated, ' +
        "the task's token-signing pair instead: federated-private.pem and a self-signed federated.crt",
    )
    .requiredOption('--out <dir>', 'directory to write the files to')
    .option('--federated', "the Mirroring Task's federated-login signing key and certificate")
    .action((options: { out: string; federated?: boolean }) => {
      if (options.federated) {
        const files = generateFederatedKeys(options.out)
        process.stdout.write(`signing key:  ${files.privateKey}\ncertificate:  ${files.certificate}\n`)
        return
      }
      const files = generatePartnerKeys(options.out)
      process.stdout.write(
        `private key: ${files.privatePem}\npublic key:  ${files.publicPem}\nportal XML:  ${files.publicXml}\n`,
      )
    })
  keys
    .command('convert')
    .description('print the PEM form of a .NET RSAKeyValue XML key')
    .argument('<file>', 'RSAKeyValue XML file')
    .action((file: string) => {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (error) {
        return fail(fileProblem(file, error), 2)
      }
      try {
        process.stdout.write(pem(keyFromRsaXml(text)))
      } catch (error) {
        fail(
          `${file} is not a readable RSAKeyValue key: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
          2,
        )
      }
    })
  return keys
}
