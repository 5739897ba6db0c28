"use client";

import { useMemo } from "react";

/** Every zone this browser knows, with its offset from UTC now, so "+08" finds Shanghai as well as "Shang" does. */
function zonesWithOffsets(): { zone: string; offset: string }[] {
  const now = new Date();
  const zones = Intl.supportedValuesOf("timeZone");
  // Some engines leave UTC out of the list although they accept it.
  if (!zones.includes("UTC")) zones.push("UTC");
  return zones.map((zone) => ({
    zone,
    offset: new Intl.DateTimeFormat("en", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(now).find((p) => p.type === "timeZoneName")?.value ?? "",
  }));
}

/** The suggestions of a time-zone input (`list={id}`): the browser filters them as the user types. */
export function TimeZoneOptions({ id }: { id: string }) {
  const zones = useMemo(() => zonesWithOffsets(), []);
  return (
    <datalist id={id}>
      {zones.map(({ zone, offset }) => (
        <option key={zone} value={zone}>
          {`${zone} (${offset})`}
        </option>
      ))}
    </datalist>
  );
}
