import { getAuth } from "@/server/auth";

export const DEMO_PASSWORD = "demo-password-1";

/**
 * The Cookie header of a browser signed in as this demo user, through the real sign-in. The test
 * file must point server/db at its test database (vi.mock), as getAuth and the route handlers use it.
 */
export async function sessionCookie(email: string, ip: string): Promise<string> {
  const auth = await getAuth();
  const response = await auth.handler(
    new Request("http://localhost:3000/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://localhost:3000", "x-real-ip": ip },
      body: JSON.stringify({ email, password: DEMO_PASSWORD }),
    }),
  );
  if (response.status !== 200) throw new Error(`sign-in of ${email} answered ${response.status}`);
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}
