"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState, useTransition } from "react";
import { merchantLoginsInput } from "@/server/schemas/account-links";
import { CardWithList, type Column } from "@/app/_components/data-list";
import { Badge } from "@/app/_components/ui/badge";
import { useTRPC } from "@/app/_lib/trpc/client";
import { InviteDialog } from "../../users/invite-dialog";

const stateBadges = { invitation_pending: "default", active: "success", disabled: "danger" } as const;

/** Who signs in for a merchant, and the invitations still open; its owner invites their staff here. */
export function ConsoleLogins({ merchant }: { merchant: { id: string; name: string } }) {
  const t = useTranslations("merchants.logins");
  const tu = useTranslations("users");
  const trpc = useTRPC();
  // The first page is the one the merchant page prefetched; paging stays here rather than in the merchant page's URL.
  const [input, setInput] = useState(() => merchantLoginsInput.parse({ merchantId: merchant.id }));
  // A transition keeps the current page on screen while the next one loads, rather than suspending the merchant page.
  const [isPending, startTransition] = useTransition();
  const { data } = useSuspenseQuery(trpc.accountLinks.merchantLogins.queryOptions(input));
  const columns: Column<(typeof data.items)[number]>[] = [
    { id: "name", header: tu("name"), cell: (login) => login.name, card: "title" },
    { id: "email", header: tu("email"), cell: (login) => <span className="break-all">{login.email}</span> },
    { id: "state", header: tu("state"), cell: (login) => <Badge variant={stateBadges[login.state]}>{t(`states.${login.state}`)}</Badge>, card: "status" },
  ];
  return (
    <CardWithList
      title={t("title")}
      description={t("description")}
      actions={<InviteDialog merchant={merchant} />}
      columns={columns}
      rows={data.items}
      rowKey={(login) => login.id}
      params={{
        input,
        isPending,
        update: (patch) => startTransition(() => setInput((current) => ({ ...current, page: Number(patch.page ?? 1), pageSize: Number(patch.pageSize ?? current.pageSize) }))),
      }}
      paging={data}
      empty={{ title: t("empty") }}
      data-testid="merchant-logins"
    />
  );
}
