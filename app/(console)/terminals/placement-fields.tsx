"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { Label, Select } from "@/app/_components/ui/input";

type Choice = { id: string; name: string };

/** Merchant and store pickers for a form: the store list follows the chosen merchant. */
export function PlacementFields({
  merchants,
  stores,
  initialMerchantId = "",
  initialStoreId = "",
  error,
}: {
  merchants: Choice[];
  stores: (Choice & { merchantId: string })[];
  initialMerchantId?: string;
  initialStoreId?: string;
  error: unknown;
}) {
  const t = useTranslations("terminals");
  const [merchantId, setMerchantId] = useState(initialMerchantId);
  const [storeId, setStoreId] = useState(initialStoreId);
  return (
    <>
      <div className="grid gap-1.5">
        <Label htmlFor="placement-merchant">{t("merchant")}</Label>
        <Select
          id="placement-merchant"
          name="merchantId"
          value={merchantId}
          onChange={(e) => {
            setMerchantId(e.target.value);
            setStoreId("");
          }}
          {...invalidProps(error, "merchantId")}
        >
          <option value="">{t("unassigned")}</option>
          {merchants.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </Select>
        <FieldError error={error} field="merchantId" />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="placement-store">{t("store")}</Label>
        <Select id="placement-store" name="storeId" value={storeId} disabled={!merchantId} onChange={(e) => setStoreId(e.target.value)} {...invalidProps(error, "storeId")}>
          <option value="">{t("noStore")}</option>
          {stores
            .filter((s) => s.merchantId === merchantId)
            .map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
        </Select>
        <FieldError error={error} field="storeId" />
      </div>
    </>
  );
}
