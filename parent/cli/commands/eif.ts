import type { Command } from 'commander';
import { checkEif, type EifMeasurement, type EifSource, fileSource, measureEif } from '../../eif/index.js';
import { CliError, EXIT } from '../errors.js';
import { printJson, reportFailure } from '../output.js';
import { parseAt } from './attestation.js';

async function openImage(path: string): Promise<EifSource> {
  try {
    return await fileSource(path);
  } catch (cause) {
    throw new CliError('CLI_IO', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** The measurement as plain JSON: PCRs under nitro-cli's names, plus what the header and sections say. */
function measurementToJson(m: EifMeasurement): Record<string, unknown> {
  return {
    version: m.version,
    arch: m.arch,
    fileSize: m.fileSize,
    defaultMemoryMiB: m.defaultMemoryMiB,
    defaultCpus: m.defaultCpus,
    crc32: { stored: hex32(m.crc32.stored), computed: hex32(m.crc32.computed), checked: m.crc32.checked },
    signed: m.signed,
    pcrs: m.pcrs,
    sections: m.sections.map(({ type, offset, size, flags }) => ({ type, offset, size, flags })),
    cmdline: m.cmdline,
    ...(m.signature === undefined
      ? {}
      : {
          signingCertificate: {
            subject: m.signature.certificate.subject,
            issuer: m.signature.certificate.issuer,
            notBefore: new Date(m.signature.certificate.notBefore).toISOString(),
            notAfter: new Date(m.signature.certificate.notAfter).toISOString(),
            sha256: m.signature.certificate.fingerprint,
          },
        }),
    ...(m.metadata === undefined ? {} : { metadata: m.metadata }),
  };
}

function printPcrs(m: EifMeasurement): void {
  for (const [name, value] of Object.entries(m.pcrs)) process.stdout.write(`${name.padEnd(5)} ${value}\n`);
}

function printSummary(m: EifMeasurement): void {
  const crc = m.crc32.checked ? `CRC-32 ${hex32(m.crc32.computed)} ok` : 'no CRC (version 1)';
  const ramdisks = m.sections.filter((s) => s.type === 'ramdisk').length;
  process.stdout.write(
    `EIF version ${m.version}, ${m.arch}, ${m.fileSize} bytes, ${m.sections.length} sections ` +
      `(${ramdisks} ramdisks${m.signed ? ', signed' : ''}), ${crc}\n`,
  );
}

async function measureCommand(file: string, flags: { json?: boolean }): Promise<number> {
  const json = flags.json === true;
  try {
    const source = await openImage(file);
    const measurement = await measureEif(source).finally(() => source.close());
    if (json) printJson({ ok: true, ...measurementToJson(measurement) });
    else {
      printSummary(measurement);
      printPcrs(measurement);
    }
    return EXIT.ok;
  } catch (error) {
    return reportFailure(error, json, { ok: false });
  }
}

async function checkCommand(file: string, flags: { json?: boolean; at?: string }): Promise<number> {
  const json = flags.json === true;
  try {
    const at = flags.at === undefined ? Date.now() : parseAt(flags.at);
    if (at === 'document') throw new CliError('CLI_USAGE', '--at: expected ISO-8601 or epoch ms');
    const source = await openImage(file);
    const report = await checkEif(source, { at }).finally(() => source.close());
    if (json) {
      printJson({
        ok: report.ok,
        problems: report.problems,
        warnings: report.warnings,
        ...(report.measurement === undefined ? {} : measurementToJson(report.measurement)),
      });
    } else {
      if (report.measurement) {
        printSummary(report.measurement);
        printPcrs(report.measurement);
        const cert = report.measurement.signature?.certificate;
        if (cert) {
          process.stdout.write(
            `signing certificate ${cert.subject}\n  valid ${new Date(cert.notBefore).toISOString()} .. ${new Date(cert.notAfter).toISOString()}\n`,
          );
        }
      }
      for (const warning of report.warnings) process.stderr.write(`warning: ${warning}\n`);
      for (const problem of report.problems)
        process.stderr.write(`error ${problem.code}: ${problem.message}\n`);
      process.stdout.write(report.ok ? 'ok: ready for nitro-cli run-enclave\n' : 'not ok\n');
    }
    return report.ok ? EXIT.ok : EXIT.refused;
  } catch (error) {
    return reportFailure(error, json, { ok: false });
  }
}

export function registerEifCommands(program: Command, setExit: (code: number) => void): void {
  const measureDescription =
    'print the PCRs nitro-cli computes for an enclave image (PCR0, PCR1, PCR2, PCR8)';
  program
    .command('measure')
    .description(measureDescription)
    .argument('<file.eif>', 'enclave image file')
    .option('--json', 'print one JSON object')
    .action(async (file: string, flags: { json?: boolean }) => setExit(await measureCommand(file, flags)));
  const eif = program.command('eif').description('inspect and check enclave image files');
  eif
    .command('measure')
    .description(measureDescription)
    .argument('<file.eif>', 'enclave image file')
    .option('--json', 'print one JSON object')
    .action(async (file: string, flags: { json?: boolean }) => setExit(await measureCommand(file, flags)));
  eif
    .command('check')
    .description(
      'pre-launch check: structure, CRC, metadata, PCR0 signature and signing certificate validity',
    )
    .argument('<file.eif>', 'enclave image file')
    .option('--at <time>', 'check the certificate at this time: ISO-8601 or epoch ms (default: now)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, flags: { json?: boolean; at?: string }) =>
      setExit(await checkCommand(file, flags)),
    );
}
