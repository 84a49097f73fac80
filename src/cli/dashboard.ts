/**
 * `run --dashboard [PORT]`: the live dashboard's command-line side — options, the URL as the
 * first line, a loud warning when bound beyond loopback, and lingering after the run (until
 * Ctrl-C, or `--dashboard-linger SECONDS`).
 */
import type { Command } from "commander";
import { isLoopbackAddress } from "../live/address.js";
import type { Dashboard } from "../live/server.js";
import { UsageError, intOption, numberOption } from "./util.js";

export const DEFAULT_DASHBOARD_PORT = 8040;

export interface DashboardCliOptions {
  /** true = the default port. */
  dashboard?: boolean | number;
  dashboardHost?: string;
  dashboardLinger?: number;
  json?: boolean;
}

export function addDashboardOptions(cmd: Command): Command {
  return cmd
    .option("--dashboard [port]", `serve a live dashboard of the run at http://127.0.0.1:PORT/ (default ${DEFAULT_DASHBOARD_PORT}; 0 = any free port); its URL is the first line printed (on stderr with --json)`, intOption(0, 65535))
    .option("--dashboard-host <address>", "bind the dashboard to this address instead of 127.0.0.1 (it has no authentication: anyone who can reach the address sees the run)")
    .option("--dashboard-linger <s>", "after the run, keep the dashboard up this many seconds (default: until Ctrl-C)", numberOption(0, 1e7));
}


/** Start the dashboard when asked (null otherwise); prints its URL first. */
export async function openDashboard(o: DashboardCliOptions): Promise<Dashboard | null> {
  if (o.dashboard === undefined || o.dashboard === false) {
    if (o.dashboardHost !== undefined || o.dashboardLinger !== undefined) throw new UsageError("--dashboard-host and --dashboard-linger need --dashboard");
    return null;
  }
  const port = o.dashboard === true ? DEFAULT_DASHBOARD_PORT : o.dashboard;
  const { Dashboard } = await import("../live/server.js");
  const d = await Dashboard.start({ port, host: o.dashboardHost });
  // --json keeps stdout for the JSON alone.
  const out = o.json ? process.stderr : process.stdout;
  out.write(`dashboard: ${d.url}\n`);
  const warning = exposureWarning(d.host, d.port);
  if (warning) process.stderr.write(`${warning}\n`);
  return d;
}

/** The loud line for a dashboard bound beyond loopback (null on loopback). */
export function exposureWarning(host: string, port: number): string | null {
  if (isLoopbackAddress(host)) return null;
  return `scoutloop: WARNING: the dashboard listens on ${host}:${port}, not on loopback — anyone who can reach this address can watch the run (there is no authentication)`;
}

/** After the run: keep serving the summary until Ctrl-C or the linger time, then close. */
export async function lingerAndClose(d: Dashboard, lingerSeconds: number | undefined): Promise<void> {
  if (lingerSeconds !== 0) {
    process.stderr.write(`dashboard: the run is over; the summary stays at ${d.url} ${lingerSeconds === undefined ? "until Ctrl-C" : `for ${lingerSeconds} s (Ctrl-C to stop sooner)`}\n`);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        process.off("SIGINT", done);
        process.off("SIGTERM", done);
        resolve();
      };
      const timer = lingerSeconds === undefined ? undefined : setTimeout(done, lingerSeconds * 1000);
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
  }
  await d.close();
}
