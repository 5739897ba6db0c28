import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";

/** A quick redirect for visitors without a session cookie; real authorization is in the procedures. */
export function proxy(request: NextRequest) {
  if (getSessionCookie(request)) return NextResponse.next();
  const login = new URL("/login", request.url);
  const target = request.nextUrl.pathname + request.nextUrl.search;
  if (target !== "/") login.searchParams.set("next", target);
  return NextResponse.redirect(login);
}

export const config = {
  // Signed-out pages: sign-in, and the pages e-mailed links open (their token is the key).
  matcher: ["/((?!api|login|forgot-password|reset-password/|invite/|confirm-email/|_next|favicon.ico|.*\\.(?:png|svg|ico|txt)$).*)"],
};
