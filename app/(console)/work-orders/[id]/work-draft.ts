"use client";

import { TRPCClientError } from "@trpc/client";
import type { ChecklistResult } from "@/db/schema/values";

/**
 * What a technician has typed on a work order and the server does not have yet. It lives in
 * localStorage, per work order, so a dropped connection, a reload or a closed tab loses nothing;
 * it is removed once the server has it.
 */
export interface WorkDraft {
  /** The save's idempotency key: a resend of the same version is answered, not applied twice. */
  saveId: string;
  /** A request with this saveId went out (its answer may have been lost): the next edit makes a new version. */
  sent: boolean;
  /** Waiting to be sent: the browser was offline, or the save failed for network reasons. */
  pending: boolean;
  /** The pending save completes the work order. */
  complete: boolean;
  lines: { key: string; result: ChecklistResult | null; note: string }[];
  parts: { id: number; name: string; quantity: string }[];
  minutes: string;
  resolution: string;
  signoffName: string;
  /** The new log entry; its id is made here, so the server writes it once however often it is sent. */
  note: { id: string; body: string };
}

/**
 * A random UUID (v4). crypto.randomUUID exists only on HTTPS pages; a phone that opens the console
 * over plain HTTP on the shop's network still has getRandomValues.
 */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const storageKey = (workOrderId: string) => `posfleet:work-draft:${workOrderId}`;

export function loadDraft(workOrderId: string): WorkDraft | null {
  try {
    const text = window.localStorage.getItem(storageKey(workOrderId));
    return text ? (JSON.parse(text) as WorkDraft) : null;
  } catch {
    // Storage turned off, or a draft from an older version of this page: start from the server's copy.
    return null;
  }
}

export function storeDraft(workOrderId: string, draft: WorkDraft) {
  try {
    window.localStorage.setItem(storageKey(workOrderId), JSON.stringify(draft));
  } catch {
    // Storage full or turned off: the form still holds the text while the page is open.
  }
}

export function clearDraft(workOrderId: string) {
  try {
    window.localStorage.removeItem(storageKey(workOrderId));
  } catch {
    // Nothing to clear when storage is off.
  }
}

/**
 * Whether a failed save never got a considered answer (no connection, the server unreachable or
 * briefly unavailable), so sending it again later is right; a refusal (4xx) is not retried.
 */
export function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return error instanceof TypeError;
  const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
  return status === undefined || status >= 502;
}
