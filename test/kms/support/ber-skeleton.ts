import { berChildren, readSingleBerElement } from '../../../enclave/kms/cms/ber.js';

/** One line per element, as `openssl asn1parse -i` shows them: depth, tag, length form, header size, length. */
export function berSkeleton(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  const walk = (element: ReturnType<typeof readSingleBerElement>, depth: number): void => {
    const length = element.indefinite ? 'inf' : String(element.contentEnd - element.contentStart);
    const header = element.contentStart - element.start;
    lines.push(`${depth} ${element.tag.toString(16)} hl=${header} l=${length}`);
    for (const child of berChildren(bytes, element)) walk(child, depth + 1);
  };
  walk(readSingleBerElement(bytes), 0);
  return lines;
}
