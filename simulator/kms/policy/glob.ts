/** IAM wildcard matching (`*` any run of characters, `?` one character), as StringLike, Action and Resource use. */
export function globMatches(
  pattern: string,
  text: string,
  options: { readonly ignoreCase: boolean },
): boolean {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, options.ignoreCase ? 'si' : 's').test(text);
}
