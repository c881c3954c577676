/**
 * Scans logs, outputs and files for secrets: each marker (bytes a test planted in an input, or key material) is
 * looked for raw and in every text form a careless log line could carry it in: hex (lower and upper), base64 and
 * base64url, at each of the three byte alignments base64 can start at, and as a JSON list of byte values (what
 * `JSON.stringify` makes of a Buffer or a Uint8Array).
 */

export interface SecretMarker {
  /** What it is, for the failure message (never the secret itself). */
  readonly label: string;
  readonly bytes: Uint8Array;
}

export interface Haystack {
  /** Where it comes from: "enclave stdout", "proxy logs", "cli keygen alice", a file path... */
  readonly label: string;
  readonly content: string | Uint8Array;
}

export interface SecretFinding {
  readonly marker: string;
  readonly haystack: string;
  readonly encoding: string;
}

/** Shorter markers would match by chance in megabytes of logs. */
export const MIN_MARKER_BYTES = 12;

/**
 * The base64 text of `bytes` wherever they sit in a larger buffer: for each alignment, the groups of three bytes
 * that lie wholly inside the marker encode to the same four characters whatever surrounds them.
 */
function base64Cores(bytes: Uint8Array, alphabet: 'base64' | 'base64url'): string[] {
  const cores: string[] = [];
  for (let start = 0; start < 3; start++) {
    const whole = Math.floor((bytes.byteLength - start) / 3) * 3;
    if (whole < 9) continue;
    cores.push(
      Buffer.from(bytes.subarray(start, start + whole))
        .toString(alphabet)
        .replace(/=+$/, ''),
    );
  }
  return cores;
}

/** Every text form of `bytes` to look for, by encoding name. */
export function textFormsOf(bytes: Uint8Array): { encoding: string; text: string }[] {
  const hex = Buffer.from(bytes).toString('hex');
  return [
    { encoding: 'hex', text: hex },
    { encoding: 'HEX', text: hex.toUpperCase() },
    ...base64Cores(bytes, 'base64').map((text) => ({ encoding: 'base64', text })),
    ...base64Cores(bytes, 'base64url').map((text) => ({ encoding: 'base64url', text })),
    { encoding: 'json-bytes', text: Array.from(bytes).join(',') },
  ];
}

/** Every place a marker shows up in a haystack, in any form; empty when the haystacks are clean. */
export function findSecrets(
  markers: readonly SecretMarker[],
  haystacks: readonly Haystack[],
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const marker of markers) {
    if (marker.bytes.byteLength < MIN_MARKER_BYTES) {
      throw new Error(
        `marker "${marker.label}" is ${marker.bytes.byteLength} bytes: use ${MIN_MARKER_BYTES}+`,
      );
    }
    const forms = textFormsOf(marker.bytes);
    for (const haystack of haystacks) {
      const raw =
        typeof haystack.content === 'string'
          ? Buffer.from(haystack.content, 'utf8')
          : Buffer.from(haystack.content);
      // Raw bytes: as written to a binary file, or decoded as UTF-8 (valid sequences survive) or Latin-1.
      const text = typeof haystack.content === 'string' ? haystack.content : raw.toString('latin1');
      const found = (encoding: string) =>
        findings.push({ marker: marker.label, haystack: haystack.label, encoding });
      if (raw.indexOf(Buffer.from(marker.bytes)) !== -1) found('raw');
      else if (text.includes(Buffer.from(marker.bytes).toString('latin1'))) found('raw-latin1');
      for (const form of forms) if (text.includes(form.text)) found(form.encoding);
    }
  }
  return findings;
}

/** Throws, naming marker, place and encoding (never the secret), when any marker is found. */
export function assertNoSecrets(markers: readonly SecretMarker[], haystacks: readonly Haystack[]): void {
  const findings = findSecrets(markers, haystacks);
  if (findings.length > 0) {
    const lines = findings.map((f) => `${f.marker} in ${f.haystack} (${f.encoding})`);
    throw new Error(`secrets found:\n${lines.join('\n')}`);
  }
}
