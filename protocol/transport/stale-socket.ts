import { lstat, unlink } from 'node:fs/promises';
import { createConnection } from 'node:net';

/**
 * A unix socket file left by a process that died without closing it (SIGKILL, a crash) makes the next listen fail
 * with EADDRINUSE. Removes the file only when it is a socket that nobody accepts on (ECONNREFUSED): a live
 * listener, or any other kind of file, is left alone and the listen fails as before.
 */
export async function removeStaleUnixSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat?.isSocket()) return;
  const refused = await new Promise<boolean>((done) => {
    const probe = createConnection({ path });
    probe.once('connect', () => {
      probe.destroy();
      done(false);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
  });
  if (refused) await unlink(path).catch(() => undefined);
}
