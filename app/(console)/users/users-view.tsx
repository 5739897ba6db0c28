"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { userRoles, type UserRole } from "@/db/schema/values";
import { userListInput } from "@/server/schemas/users";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { DataList, type Column } from "@/app/_components/data-list";
import { SearchBox } from "@/app/_components/list-controls";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { Select } from "@/app/_components/ui/input";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";
import { InviteDialog } from "./invite-dialog";

type User = {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  merchantId: string | null;
  disabled: boolean;
  signInLockedUntil: Date | null;
  invitationPending: boolean;
  assignedMerchants: { id: string; name: string }[];
};

function useUserMutations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = () => queryClient.invalidateQueries({ queryKey: trpc.users.pathFilter().queryKey });
  return {
    create: useMutation(trpc.users.create.mutationOptions({ onSuccess })),
    update: useMutation(trpc.users.update.mutationOptions({ onSuccess })),
    setPassword: useMutation(trpc.users.setPassword.mutationOptions({ onSuccess })),
    setAssignments: useMutation(trpc.users.setAssignments.mutationOptions({ onSuccess })),
    unlockSignIn: useMutation(trpc.users.unlockSignIn.mutationOptions({ onSuccess })),
    endSessions: useMutation(trpc.users.endSessions.mutationOptions({ onSuccess })),
  };
}

export function UsersView({ viewerId }: { viewerId: string }) {
  const t = useTranslations("users");
  const tr = useTranslations("nav.roles");
  const trpc = useTRPC();
  const tc = useTranslations("common");
  const list = useListParams(userListInput);
  const { input, update } = list;
  const { data } = useSuspenseQuery(trpc.users.list.queryOptions(input));
  const { data: merchants } = useSuspenseQuery(trpc.merchants.choices.queryOptions());
  const merchantName = new Map(merchants.map((m) => [m.id, m.name]));
  const search = useSearchParam(input.q, update);
  const columns: Column<(typeof data.items)[number]>[] = [
    { id: "name", header: t("name"), cell: (user) => user.name, card: "title" },
    {
      id: "state",
      header: t("state"),
      cell: (user) =>
        user.disabled ? (
          <Badge variant="danger">{t("disabled")}</Badge>
        ) : user.invitationPending ? (
          <Badge variant="default">{t("invitationPending")}</Badge>
        ) : user.signInLockedUntil ? (
          <Badge variant="warning">{t("locked")}</Badge>
        ) : (
          <Badge variant="success">{t("enabled")}</Badge>
        ),
      card: "status",
    },
    { id: "email", header: t("email"), cell: (user) => <span className="break-all">{user.email}</span> },
    { id: "role", header: t("role"), cell: (user) => tr(user.role) },
    {
      id: "merchants",
      header: t("merchants"),
      cell: (user) =>
        user.role === "merchant" ? merchantName.get(user.merchantId ?? "") : user.role === "technician" ? user.assignedMerchants.map((m) => m.name).join(", ") || "—" : t("allMerchants"),
      className: "whitespace-normal",
    },
    {
      id: "actions",
      header: <span className="sr-only">{tc("actions")}</span>,
      cell: (user) => (
        <div className="flex flex-wrap gap-1.5">
          <UserDialog user={user} merchants={merchants} isSelf={user.id === viewerId} />
          {user.role === "technician" && <AssignmentsDialog user={user} merchants={merchants} />}
          <PasswordDialog user={user} />
          <SignInActions user={user} isSelf={user.id === viewerId} />
        </div>
      ),
      card: "actions",
    },
  ];

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">{t("title")}</h1>
        <div className="flex flex-wrap items-center gap-2">
          <InviteDialog merchants={merchants} />
          <UserDialog merchants={merchants} />
        </div>
      </div>
      <div className="flex flex-wrap gap-2">
        <SearchBox label={t("search")} className="block w-full max-w-xs" inputProps={search.inputProps} />
        <Select className="w-40" aria-label={t("role")} value={input.role ?? ""} onChange={(e) => update({ role: e.target.value })}>
          <option value="">{t("allRoles")}</option>
          {userRoles.map((r) => (
            <option key={r} value={r}>
              {tr(r)}
            </option>
          ))}
        </Select>
      </div>
      <DataList columns={columns} rows={data.items} rowKey={(user) => user.id} params={list} paging={data} empty={{ title: t("empty") }} />
    </div>
  );
}

function UserDialog({ user, merchants, isSelf }: { user?: User; merchants: { id: string; name: string }[]; isSelf?: boolean }) {
  const t = useTranslations("users");
  const tr = useTranslations("nav.roles");
  const tc = useTranslations("common");
  const { create, update } = useUserMutations();
  const mutation = user ? update : create;
  const [role, setRole] = useState<UserRole>(user?.role ?? "merchant");
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant="outline">
          {user ? tc("edit") : t("newWithPassword")}
        </Button>
      }
      title={user ? t("edit") : t("new")}
      submitLabel={tc("save")}
      error={mutation.error}
      pending={mutation.isPending}
      onOpenChange={() => mutation.reset()}
      onSubmit={(form) => {
        const merchantId = role === "merchant" ? formText(form, "merchantId") || null : null;
        return user
          ? update.mutateAsync({ id: user.id, name: formText(form, "name"), role, merchantId, disabled: form.get("disabled") === "on" })
          : create.mutateAsync({ name: formText(form, "name"), email: formText(form, "email"), password: String(form.get("password") ?? ""), role, merchantId });
      }}
    >
      <Field name="name" label={t("name")} error={mutation.error} defaultValue={user?.name} required />
      {!user && (
        <>
          <Field name="email" label={t("email")} error={mutation.error} type="email" required />
          <Field name="password" label={t("password")} error={mutation.error} type="password" autoComplete="new-password" required />
        </>
      )}
      <div className="grid gap-1.5">
        <label htmlFor="field-role" className="text-sm font-medium">
          {t("role")}
        </label>
        <Select id="field-role" value={role} disabled={isSelf} onChange={(e) => setRole(e.target.value as UserRole)} {...invalidProps(mutation.error, "role")}>
          {userRoles.map((r) => (
            <option key={r} value={r}>
              {tr(r)}
            </option>
          ))}
        </Select>
        <FieldError error={mutation.error} field="role" />
      </div>
      {role === "merchant" && (
        <Field name="merchantId" label={t("merchant")} error={mutation.error} defaultValue={user?.merchantId ?? ""}>
          <option value="">{tc("choose")}</option>
          {merchants.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </Field>
      )}
      {user && !isSelf && (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="disabled" defaultChecked={user.disabled} />
          {t("disableAccount")}
        </label>
      )}
    </FormDialog>
  );
}

function AssignmentsDialog({ user, merchants }: { user: User; merchants: { id: string; name: string }[] }) {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const { setAssignments } = useUserMutations();
  const assigned = new Set(user.assignedMerchants.map((m) => m.id));
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant="outline">
          {t("assign")}
        </Button>
      }
      title={t("assignTitle", { name: user.name })}
      submitLabel={tc("save")}
      error={setAssignments.error}
      pending={setAssignments.isPending}
      onOpenChange={() => setAssignments.reset()}
      onSubmit={(form) => setAssignments.mutateAsync({ technicianId: user.id, merchantIds: form.getAll("merchantIds").map(String) })}
    >
      <fieldset className="grid max-h-72 gap-1.5 overflow-y-auto">
        <legend className="sr-only">{t("merchants")}</legend>
        {merchants.map((m) => (
          <label key={m.id} className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="merchantIds" value={m.id} defaultChecked={assigned.has(m.id)} />
            {m.name}
          </label>
        ))}
      </fieldset>
    </FormDialog>
  );
}

function PasswordDialog({ user }: { user: User }) {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const { setPassword } = useUserMutations();
  return (
    <FormDialog
      trigger={
        <Button size="sm" variant="ghost">
          {t("setPassword")}
        </Button>
      }
      title={t("setPasswordTitle", { email: user.email })}
      description={t("setPasswordHint")}
      submitLabel={tc("save")}
      error={setPassword.error}
      pending={setPassword.isPending}
      onOpenChange={() => setPassword.reset()}
      onSubmit={(form) => setPassword.mutateAsync({ id: user.id, password: String(form.get("password") ?? "") })}
    >
      <Field name="password" label={t("password")} error={setPassword.error} type="password" autoComplete="new-password" required />
    </FormDialog>
  );
}

/** Lifting a lockout early and signing a user out everywhere; both are audited. */
function SignInActions({ user, isSelf }: { user: User; isSelf: boolean }) {
  const t = useTranslations("users");
  const { unlockSignIn, endSessions } = useUserMutations();
  return (
    <>
      {user.signInLockedUntil && (
        <ConfirmDialog
          label={t("unlock")}
          description={t("unlockConfirm", { email: user.email })}
          onConfirm={() => unlockSignIn.mutateAsync({ id: user.id })}
          error={unlockSignIn.error}
          pending={unlockSignIn.isPending}
          variant="outline"
        />
      )}
      {!isSelf && (
        <ConfirmDialog
          label={t("endSessions")}
          description={t("endSessionsConfirm", { email: user.email })}
          onConfirm={() => endSessions.mutateAsync({ id: user.id })}
          error={endSessions.error}
          pending={endSessions.isPending}
          destructive
          variant="outline"
        />
      )}
    </>
  );
}
