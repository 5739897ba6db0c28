"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { staffRoles, type StaffRole, type UserRole } from "@/db/schema/values";
import { staffListInput } from "@/server/schemas/training";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { Field, FormDialog, formText } from "@/app/_components/form-dialog";
import { DataList, type Column } from "@/app/_components/data-list";
import { FilterSelect, SearchBox } from "@/app/_components/list-controls";
import { Badge } from "@/app/_components/ui/badge";
import { Button } from "@/app/_components/ui/button";
import { useTRPC } from "@/app/_lib/trpc/client";
import { useListParams, useSearchParam } from "@/app/_lib/use-list-params";

/** Admins and merchant owners keep the roster; technicians read it. */
const keepsRoster = (role: UserRole) => role !== "technician";

export function StaffView({ role }: { role: UserRole }) {
  const t = useTranslations("training");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const list = useListParams(staffListInput);
  const { input, update } = list;
  const staff = useQuery(trpc.training.staff.queryOptions(input));
  const { data } = staff;
  const { data: stores } = useQuery(trpc.merchants.storeChoices.queryOptions());
  const search = useSearchParam(input.q, update);
  const columns: Column<NonNullable<typeof data>["items"][number]>[] = [
    {
      id: "name",
      header: t("staff.name"),
      cell: (person) => (
        <>
          <div className="font-medium">{person.name}</div>
          <div className="text-xs text-muted-foreground">{t(`roles.${person.role}`)}</div>
        </>
      ),
      card: "title",
    },
    {
      id: "status",
      header: t("staff.status"),
      cell: (person) => (person.active ? <Badge variant="success">{t("staff.active")}</Badge> : <Badge variant="muted">{t("staff.left", { date: person.leftOn ?? "" })}</Badge>),
      card: "status",
    },
    {
      id: "store",
      header: t("staff.store"),
      cell: (person) => (
        <>
          <div>{person.storeName}</div>
          <div className="text-xs text-muted-foreground">{person.merchantName}</div>
        </>
      ),
    },
    {
      id: "training",
      header: t("staff.training"),
      cell: (person) =>
        !person.active ? (
          <span className="text-muted-foreground">—</span>
        ) : person.requiredCourses === 0 ? (
          <span className="text-sm text-muted-foreground">{t("staff.noneRequired")}</span>
        ) : (
          <Link href={`/training?view=records&staffId=${person.id}`} className="flex flex-wrap gap-1 hover:underline">
            <Badge variant={person.currentCourses < person.requiredCourses ? "danger" : person.expiringCourses ? "warning" : "success"}>
              {t("staff.currentOf", { current: person.currentCourses, required: person.requiredCourses })}
            </Badge>
            {person.expiringCourses > 0 && <Badge variant="warning">{t("staff.expiringSoon", { count: person.expiringCourses })}</Badge>}
          </Link>
        ),
    },
    { id: "phone", header: t("staff.phoneColumn"), cell: (person) => <span className="font-mono text-xs">{person.phone ?? "—"}</span> },
    ...(keepsRoster(role)
      ? [
          {
            id: "actions",
            header: <span className="sr-only">{tc("actions")}</span>,
            cell: (person: NonNullable<typeof data>["items"][number]) => (
              <div className="flex justify-end gap-2">
                <StaffDialog stores={(stores ?? []).filter((s) => s.merchantId === person.merchantId)} member={person} />
                <LeaveButton member={person} />
              </div>
            ),
            card: "actions" as const,
          },
        ]
      : []),
  ];
  return (
    <div className="space-y-3">
      <div className="grid gap-2 rounded-xl border bg-card p-3 sm:grid-cols-2 lg:grid-cols-4">
        <SearchBox label={t("staff.search")} inputProps={search.inputProps} />
        <FilterSelect
          label={t("staff.store")}
          allLabel={t("staff.allStores")}
          value={input.storeId}
          options={(stores ?? []).map((s) => ({ value: s.id, label: s.name }))}
          onChange={(storeId) => update({ storeId })}
        />
        <FilterSelect
          label={t("staff.role")}
          allLabel={t("staff.allRoles")}
          value={input.role}
          options={staffRoles.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
          onChange={(value) => update({ role: value })}
        />
        <FilterSelect
          label={t("staff.status")}
          allLabel={t("staff.statuses.active")}
          value={input.status === "active" ? undefined : input.status}
          options={(["left", "all"] as const).map((s) => ({ value: s, label: t(`staff.statuses.${s}`) }))}
          onChange={(status) => update({ status })}
        />
      </div>
      {keepsRoster(role) && (
        <div className="flex justify-end">
          <StaffDialog stores={stores ?? []} defaultStoreId={input.storeId} />
        </div>
      )}
      <DataList
        columns={columns}
        rows={data?.items}
        rowKey={(person) => person.id}
        rowTestId={(person) => `staff-${person.name}`}
        error={staff.error}
        onRetry={() => void staff.refetch()}
        params={list}
        paging={data}
        empty={{ title: t("staff.empty"), hint: keepsRoster(role) ? t("staff.emptyHint") : undefined }}
        data-testid="staff"
      />
    </div>
  );
}

function LeaveButton({ member }: { member: { id: string; name: string; active: boolean } }) {
  const t = useTranslations("training.staff");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const change = useMutation(trpc.training.updateStaff.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.training.pathFilter()) }));
  return member.active ? (
    <ConfirmDialog
      label={t("markLeft")}
      title={t("markLeftTitle", { name: member.name })}
      description={t("markLeftConfirm")}
      error={change.error}
      pending={change.isPending}
      onConfirm={() => change.mutateAsync({ id: member.id, active: false })}
    />
  ) : (
    <ConfirmDialog
      label={t("rejoin")}
      title={t("rejoinTitle", { name: member.name })}
      description={t("rejoinConfirm")}
      error={change.error}
      pending={change.isPending}
      onConfirm={() => change.mutateAsync({ id: member.id, active: true })}
    />
  );
}

/** Adds a staff member, or edits one when `member` is given. */
function StaffDialog({
  stores,
  member,
  defaultStoreId,
}: {
  stores: { id: string; name: string; merchantName: string }[];
  member?: { id: string; name: string; role: StaffRole; phone: string | null; storeId: string };
  defaultStoreId?: string;
}) {
  const t = useTranslations("training");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = () => queryClient.invalidateQueries(trpc.training.pathFilter());
  const create = useMutation(trpc.training.createStaff.mutationOptions({ onSuccess }));
  const edit = useMutation(trpc.training.updateStaff.mutationOptions({ onSuccess }));
  const mutation = member ? edit : create;
  return (
    <FormDialog
      trigger={
        member ? (
          <Button size="sm" variant="outline">
            {t("staff.edit")}
          </Button>
        ) : (
          <Button>
            <PlusIcon /> {t("staff.add")}
          </Button>
        )
      }
      title={member ? t("staff.editTitle", { name: member.name }) : t("staff.add")}
      submitLabel={member ? t("staff.save") : t("staff.create")}
      error={mutation.error}
      pending={mutation.isPending}
      onOpenChange={() => mutation.reset()}
      onSubmit={(form) => {
        const values = { name: formText(form, "name"), role: formText(form, "role") as StaffRole, phone: formText(form, "phone"), storeId: formText(form, "storeId") };
        return member ? edit.mutateAsync({ id: member.id, ...values }) : create.mutateAsync(values);
      }}
    >
      <Field name="name" label={t("staff.name")} error={mutation.error} defaultValue={member?.name} autoComplete="off" required />
      <Field name="role" label={t("staff.role")} error={mutation.error} defaultValue={member?.role ?? "cashier"}>
        {staffRoles.map((r) => (
          <option key={r} value={r}>
            {t(`roles.${r}`)}
          </option>
        ))}
      </Field>
      <Field name="storeId" label={t("staff.store")} error={mutation.error} defaultValue={member?.storeId ?? defaultStoreId ?? stores[0]?.id}>
        {stores.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name} · {s.merchantName}
          </option>
        ))}
      </Field>
      <Field name="phone" label={t("staff.phone")} error={mutation.error} defaultValue={member?.phone ?? ""} type="tel" autoComplete="off" />
    </FormDialog>
  );
}
