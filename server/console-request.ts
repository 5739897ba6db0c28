import { scopeForUser, type Scope } from "./scope";
import { createContext, type Context, type Viewer } from "./trpc";

/**
 * The signed-in console user behind a route handler's request (CSV downloads, the event stream),
 * with the scope every tenant query filters by; null when nobody is signed in.
 */
export async function consoleRequest(req: Request): Promise<{ db: Context["db"]; viewer: Viewer; scope: Scope } | null> {
  const ctx = await createContext({ headers: req.headers });
  if (!ctx.viewer) return null;
  return { db: ctx.db, viewer: ctx.viewer, scope: await scopeForUser(ctx.db, ctx.viewer) };
}

export const signInRequired = () => Response.json({ error: { code: "unauthorized", message: "Please sign in." } }, { status: 401 });
