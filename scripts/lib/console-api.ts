// The console's HTTP API as the simulator uses it: sign in with better-auth, then tRPC with the
// session cookie, exactly like the browser does.
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@/server/root";
import type { FleetTerminal } from "./heartbeat-load";

/** Signs in by e-mail and password and returns the session cookie header. */
async function signIn(base: URL, email: string, password: string): Promise<string> {
  const response = await fetch(new URL("/api/auth/sign-in/email", base), {
    method: "POST",
    // better-auth refuses a state-changing request from an origin it does not trust.
    headers: { "content-type": "application/json", origin: base.origin },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`Sign-in as ${email} failed: HTTP ${response.status} ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  if (!cookie) throw new Error(`Sign-in as ${email} returned no session cookie.`);
  return cookie;
}

const PAGE_SIZE = 100; // the largest page terminals.list accepts (pageInput in server/schemas/common.ts)

export type ConsoleApi = Awaited<ReturnType<typeof connectConsole>>;

export async function connectConsole(base: URL, credentials: { email: string; password: string }) {
  const cookie = await signIn(base, credentials.email, credentials.password);
  const api = createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: new URL("/api/trpc", base).toString(), transformer: superjson, headers: { cookie }, maxItems: 20 })],
  });

  return {
    /** Up to `limit` active terminals in serial-number order. */
    async activeTerminals(limit: number): Promise<FleetTerminal[]> {
      const found: FleetTerminal[] = [];
      for (let page = 1; found.length < limit; page++) {
        const { items, total } = await api.terminals.list.query({ status: ["active"], sort: "serialNumber", dir: "asc", page, pageSize: PAGE_SIZE });
        found.push(...items.slice(0, limit - found.length));
        if (items.length < PAGE_SIZE || page * PAGE_SIZE >= total) break;
      }
      return found;
    },

    /** Up to `limit` terminals in stock that belong to a merchant, with the merchant's registered phone. */
    async inStockTerminals(limit: number): Promise<(FleetTerminal & { phone: string })[]> {
      const { items } = await api.terminals.list.query({ status: ["in_stock"], sort: "serialNumber", dir: "asc", page: 1, pageSize: PAGE_SIZE });
      const assigned = items.filter((t) => t.merchantId).slice(0, limit);
      const phones = new Map<string, string>();
      for (const t of assigned) {
        if (!phones.has(t.merchantId!)) phones.set(t.merchantId!, (await api.merchants.getById.query({ id: t.merchantId! })).registeredPhone);
      }
      return assigned.map((t) => ({ ...t, phone: phones.get(t.merchantId!)! }));
    },

    /** The named terminals, each of which must be active. */
    async terminalsBySerial(serialNumbers: string[]): Promise<FleetTerminal[]> {
      const found = await Promise.all(serialNumbers.map((serialNumber) => api.terminals.getBySerial.query({ serialNumber })));
      const inactive = found.filter((t) => t.status !== "active").map((t) => `${t.serialNumber} (${t.status})`);
      if (inactive.length) throw new Error(`Only active terminals can check in: ${inactive.join(", ")}.`);
      return found;
    },

    /**
     * A device token for the terminal. Until SMS activation exists an admin issues one,
     * which revokes the terminal's earlier tokens; the simulator will then activate the terminal
     * itself here, through POST /activation/request and /activation/verify.
     */
    async obtainDeviceToken(terminal: FleetTerminal): Promise<string> {
      return (await api.terminals.issueDeviceToken.mutate({ id: terminal.id })).deviceToken;
    },
  };
}
