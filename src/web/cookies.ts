/**
 * The Cookie header, read with caps: a client sending hundreds of cookies or huge ones
 * costs a bounded amount of work (the header itself is capped by Node's header limit).
 */

/** At most this many cookies are looked at; the rest are ignored. */
export const MAX_COOKIES = 50;

/** The value of the cookie named so, or undefined (the first one wins; values are not decoded). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let start = 0;
  for (let n = 0; n < MAX_COOKIES && start < header.length; n++) {
    const end = header.indexOf(';', start);
    const pair = header.slice(start, end === -1 ? header.length : end);
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
    if (end === -1) break;
    start = end + 1;
  }
  return undefined;
}

export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. Absent: a session cookie (gone when the browser closes). */
  maxAge?: number;
}

/** A Set-Cookie value: HttpOnly, Secure, SameSite=Strict, for the whole server (the admin API reads it too). */
export function setCookie(name: string, value: string, o: CookieOptions = {}): string {
  return [`${name}=${value}`, 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict', ...(o.maxAge !== undefined ? [`Max-Age=${o.maxAge}`] : [])].join('; ');
}
