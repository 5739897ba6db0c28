import type { MerchantLanguage } from "@/db/schema/values";

export interface AnnouncementFacts {
  version: string;
  /** "tonight", or the fleet-local day the rollout starts (YYYY-MM-DD). */
  when: { tonight: true } | { from: string };
  /** The stores' maintenance window when they all share one ("02:00–04:00"), else null. */
  window: string | null;
}

/** The "Announce to merchants" draft, in the language of the merchants it goes to. */
export function rolloutAnnouncement(language: MerchantLanguage, { version, when, window }: AnnouncementFacts): { title: string; body: string } {
  if (language === "zh-CN") {
    const whenText = "tonight" in when ? "今晚" : `自 ${when.from} 起`;
    return {
      title: window ? `固件 ${version} 将于${whenText} ${window} 安装` : `固件 ${version} 将于${whenText}在门店维护时段安装`,
      body: [
        `您的支付终端将于${whenText}${window ? ` ${window}（门店当地时间）` : "在门店维护时段内"}更新到固件 **${version}**。`,
        "",
        "- 请让终端整晚保持通电和联网。",
        "- 更新不会在营业时间内进行，不影响收款。",
        "- 安装更新时终端会重启一次。",
      ].join("\n"),
    };
  }
  const whenText = "tonight" in when ? "tonight" : `from ${when.from}`;
  return {
    title: window ? `Firmware ${version} installs ${whenText} ${window}` : `Firmware ${version} installs ${whenText} in your store's maintenance window`,
    body: [
      `Your payment terminals will update to firmware **${version}** ${whenText}${window ? ` between ${window} (store time)` : ", during your store's maintenance window"}.`,
      "",
      "- Leave the terminals powered on and connected overnight.",
      "- The update does not run during business hours; trading is not interrupted.",
      "- A terminal restarts once when the update installs.",
    ].join("\n"),
  };
}
