/** Addresses only this host can reach (127.0.0.0/8 and ::1): the dashboard's default side of the wire. */
export const LOOPBACK = "127.0.0.1";

export function isLoopbackAddress(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1";
}
