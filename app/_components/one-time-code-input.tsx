import { Input } from "./ui/input";

/** The 6-digit code from an authenticator app, as phones and password managers recognise it. */
export function OneTimeCodeInput({ id, invalid }: { id: string; invalid: boolean }) {
  return <Input id={id} name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]*" maxLength={6} required autoFocus aria-invalid={invalid} className="font-mono tracking-[0.3em]" />;
}
