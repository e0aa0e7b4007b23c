/**
 * Lists of trust files as settings give them (CERTCHAT_TRUST and CERTCHAT_CRL, the CLI's --trust and --crl):
 * comma-separated paths, a CA entry optionally marked `qualified:`. No PKI here: reading a setting must not load
 * it (every CLI command reads the server's settings).
 */

/** A trust entry: a file or folder of CA certificates, marked qualified or not. */
export interface TrustSource {
  path: string;
  qualified: boolean;
}

/** The mark of a trust entry whose CAs issue qualified certificates: only their SNILS/OGRN count. */
export const QUALIFIED_PREFIX = "qualified:";

/** The items of a comma-separated list of paths, blanks dropped. */
export function pathList(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A comma-separated list of CA files or folders, each optionally `qualified:`; throws for an entry naming no path. */
export function trustSourceList(text: string | undefined): TrustSource[] {
  return pathList(text).map((entry) => {
    const qualified = entry.startsWith(QUALIFIED_PREFIX);
    const path = qualified ? entry.slice(QUALIFIED_PREFIX.length).trim() : entry;
    if (path.length === 0) throw new Error(`"${entry}" names no file or folder`);
    return { path, qualified };
  });
}
