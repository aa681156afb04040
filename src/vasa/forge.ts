/**
 * node-forge, loaded the first time it is needed (a certificate or CSR to make, a PEM
 * bundle to split). Its index loads the whole library, TLS and every cipher included:
 * a quarter of the daemon's module loading at start (issue 12, S6 cold start), while a
 * start with its certificate already in place needs none of it.
 */
type Forge = typeof import('node-forge');

let lib: Forge | undefined;

export function forge(): Forge {
  return (lib ??= require('node-forge') as Forge);
}
