/** Tests of a CLI command: stdout and stderr that keep what the command writes. */
export function captured(): { io: { stdout: { write(text: string): boolean }; stderr: { write(text: string): boolean } }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (text: string) => ((out += text), true) }, stderr: { write: (text: string) => ((err += text), true) } },
    out: () => out,
    err: () => err,
  };
}
