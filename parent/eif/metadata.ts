import { z } from 'zod';
import { EifError } from './errors.js';

/**
 * The metadata section (EIF version 4): JSON of nitro-cli's `EifIdentityInfo`. nitro-cli's reader refuses an image
 * whose metadata lacks these fields, so they are required here too; other fields are kept.
 */
const metadataSchema = z.looseObject({
  ImageName: z.string(),
  ImageVersion: z.string(),
  BuildMetadata: z.looseObject({
    BuildTime: z.string(),
    BuildTool: z.string(),
    BuildToolVersion: z.string(),
    OperatingSystem: z.string(),
    KernelVersion: z.string(),
  }),
  DockerInfo: z.unknown(),
  CustomMetadata: z.unknown(),
});

export type EifMetadata = z.infer<typeof metadataSchema>;

export function parseEifMetadata(section: Uint8Array): EifMetadata {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(section));
  } catch (cause) {
    throw new EifError('EIF_METADATA_INVALID', 'the EIF metadata section is not UTF-8 JSON', { cause });
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EifError(
      'EIF_METADATA_INVALID',
      `the EIF metadata section is not nitro-cli's: ${issue?.path.join('.') || 'metadata'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
