/**
 * A new password from standard input, never from the command line (where `ps` and shell history
 * show it): typed at a prompt on a terminal, without echo and twice, or piped in (`printf '%s\n'
 * "$PASSWORD" | parley users password carol`), the whole input less one final newline.
 */
export async function readNewPassword(what: string, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY !== true) return readPiped(stdin);
  const first = await prompt(stdin, `New password for ${what}: `);
  const again = await prompt(stdin, 'Again: ');
  if (first !== again) throw new PasswordInputError('the two passwords differ; nothing changed');
  return first;
}

/** Why no password could be read (cancelled, or the two typed differ): a usage error. */
export class PasswordInputError extends Error {}

async function readPiped(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** One line typed at the terminal in raw mode, so nothing is echoed; Ctrl+C or Ctrl+D cancels. */
function prompt(stdin: NodeJS.ReadStream, question: string): Promise<string> {
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error === undefined) resolve(typed);
      else reject(error);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new PasswordInputError('cancelled; nothing changed'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}
