"use client";

import {
  BellIcon,
  BoxesIcon,
  BuildingIcon,
  CpuIcon,
  GraduationCapIcon,
  HardDriveDownloadIcon,
  LayoutDashboardIcon,
  ListTodoIcon,
  LogOutIcon,
  MegaphoneIcon,
  MenuIcon,
  RocketIcon,
  ScrollTextIcon,
  ShieldCheckIcon,
  SmartphoneIcon,
  UsersIcon,
  WrenchIcon,
} from "lucide-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { Suspense, useEffect, useRef, useState } from "react";
import type { Viewer } from "@/server/trpc";
import { authClient } from "../_lib/auth-client";
import { useTRPC } from "../_lib/trpc/client";
import { useFleetEvents } from "../_lib/use-fleet-events";
import { useOnline } from "../_lib/use-online";
import { cn } from "../_lib/utils";
import { LanguageSwitch } from "./language-switch";
import { NavigationProgress } from "./navigation-progress";
import { CriticalNoticeBanner } from "./notice-banner";
import { Button } from "./ui/button";

type NavKey =
  "overview" | "myWork" | "terminals" | "activations" | "maintenance" | "training" | "notices" | "alerts" | "merchants" | "myMerchant" | "firmware" | "rollouts" | "models" | "users" | "audit";

function navItems(viewer: Viewer): { key: NavKey; href: string; icon: typeof BoxesIcon }[] {
  const items: { key: NavKey; href: string; icon: typeof BoxesIcon }[] = [
    { key: "overview", href: "/", icon: LayoutDashboardIcon },
    { key: "terminals", href: "/terminals", icon: CpuIcon },
    { key: "activations", href: "/activations", icon: SmartphoneIcon },
    { key: "maintenance", href: "/maintenance", icon: WrenchIcon },
    { key: "training", href: "/training", icon: GraduationCapIcon },
    { key: "notices", href: "/notices", icon: MegaphoneIcon },
    { key: "alerts", href: "/alerts", icon: BellIcon },
  ];
  // Technicians start their day here, on a phone.
  if (viewer.role === "technician") items.splice(1, 0, { key: "myWork", href: "/maintenance?mine=true&open=true", icon: ListTodoIcon });
  if (viewer.role === "merchant" && viewer.merchantId) items.push({ key: "myMerchant", href: `/merchants/${viewer.merchantId}`, icon: BuildingIcon });
  if (viewer.role !== "merchant") items.push({ key: "merchants", href: "/merchants", icon: BuildingIcon });
  if (viewer.role === "admin") {
    items.push(
      { key: "firmware", href: "/firmware", icon: HardDriveDownloadIcon },
      { key: "rollouts", href: "/rollouts", icon: RocketIcon },
      { key: "models", href: "/models", icon: BoxesIcon },
      { key: "users", href: "/users", icon: UsersIcon },
      { key: "audit", href: "/audit", icon: ScrollTextIcon },
    );
  }
  return items;
}

export function AppShell({ viewer, children }: { viewer: Viewer; children: React.ReactNode }) {
  const t = useTranslations("nav");
  const pathname = usePathname();
  const router = useRouter();
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const live = useFleetEvents();
  const online = useOnline();
  const trpc = useTRPC();
  // Admins write notices; merchant owners and technicians read them.
  const { data: notices } = useQuery({ ...trpc.notices.unread.queryOptions(), enabled: viewer.role !== "admin" });
  // Everyone has an alert inbox; the count refetches when the event stream says alerts changed.
  const { data: unreadAlerts = 0 } = useQuery(trpc.alerts.unreadCount.queryOptions());
  const unread: Partial<Record<NavKey, number>> = { notices: notices?.unread ?? 0, alerts: unreadAlerts };
  const items = navItems(viewer);
  // Escape closes the phone menu and puts the focus back on its button, as for any menu.
  useEffect(() => {
    if (!menuOpen) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [menuOpen]);
  const connection = !online ? "offline" : live ? "live" : "reconnecting";
  const isActive = (href: string) => (href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`));

  const nav = (
    <nav aria-label={t("main")} className="flex flex-col gap-1">
      {items.map(({ key, href, icon: Icon }) => (
        <Link
          key={key}
          href={href}
          onClick={() => setMenuOpen(false)}
          aria-current={isActive(href) ? "page" : undefined}
          className={cn("flex items-center gap-2 rounded-md px-3 py-2 text-sm hover:bg-accent", isActive(href) && "bg-accent font-medium text-primary")}
        >
          <Icon className="size-4" aria-hidden />
          {t(key)}
          {(unread[key] ?? 0) > 0 && (
            <span className="ml-auto rounded-full bg-primary px-1.5 text-xs font-medium text-primary-foreground tabular-nums" data-testid={`unread-${key}`}>
              <span className="sr-only">{t("unread")}: </span>
              {unread[key]}
            </span>
          )}
        </Link>
      ))}
    </nav>
  );

  const account = (
    <div className="space-y-3 border-t pt-3">
      <div className="text-sm">
        <p className="truncate font-medium" data-testid="viewer-name">
          {viewer.name}
        </p>
        <p className="truncate text-xs text-muted-foreground">
          {viewer.email} · {t(`roles.${viewer.role}`)}
        </p>
        <Link
          href="/account"
          onClick={() => setMenuOpen(false)}
          aria-current={isActive("/account") ? "page" : undefined}
          className="mt-1 flex items-center gap-1.5 text-xs text-primary hover:underline aria-[current=page]:font-semibold"
        >
          <ShieldCheckIcon className="size-3.5" aria-hidden />
          {t("account")}
        </Link>
        <p className="mt-1 flex items-center gap-1.5 text-xs text-muted-foreground" data-testid="live-status" data-live={connection === "live"} data-connection={connection}>
          <span aria-hidden className={cn("size-1.5 rounded-full", { live: "bg-emerald-500", reconnecting: "bg-zinc-400", offline: "bg-red-500" }[connection])} />
          {t(connection)}
        </p>
      </div>
      <div className="flex items-center justify-between gap-2">
        <LanguageSwitch />
        <Button
          variant="ghost"
          size="sm"
          onClick={async () => {
            await authClient.signOut();
            router.replace("/login");
            router.refresh();
          }}
        >
          <LogOutIcon aria-hidden />
          {t("signOut")}
        </Button>
      </div>
    </div>
  );

  return (
    <div className="min-h-dvh md:flex">
      {/* First in the tab order: past the menu to the page in one key press. */}
      <a
        href="#main-content"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-[70] focus:rounded-md focus:bg-card focus:px-3 focus:py-2 focus:text-sm focus:font-medium focus:shadow-md focus:ring-2 focus:ring-ring"
      >
        {t("skipToContent")}
      </a>
      <Suspense>
        <NavigationProgress />
      </Suspense>
      <aside className="hidden w-60 shrink-0 print:hidden flex-col justify-between border-r bg-card p-3 md:sticky md:top-0 md:flex md:h-dvh">
        <div className="space-y-4">
          <Link href="/" className="block px-3 pt-1 text-lg font-semibold">
            POS Fleet
          </Link>
          {nav}
        </div>
        {account}
      </aside>
      <header className="sticky top-0 z-40 flex print:hidden items-center justify-between border-b bg-card px-3 py-2 md:hidden">
        <Link href="/" className="font-semibold">
          POS Fleet
        </Link>
        <Button ref={menuButton} variant="ghost" size="icon" aria-label={t("menu")} aria-expanded={menuOpen} aria-controls="phone-menu" onClick={() => setMenuOpen((open) => !open)}>
          <MenuIcon />
        </Button>
      </header>
      {menuOpen && (
        <div id="phone-menu" className="fixed inset-x-0 top-[49px] z-30 max-h-[calc(100dvh-49px)] space-y-3 overflow-y-auto border-b bg-card p-3 shadow-md md:hidden">
          {nav}
          {account}
        </div>
      )}
      <main id="main-content" tabIndex={-1} className="min-w-0 flex-1 p-3 outline-none sm:p-6 print:p-0">
        {!online && (
          <p role="status" className="mb-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 print:hidden" data-testid="offline-banner">
            {t("offlineBanner")}
          </p>
        )}
        {notices && <CriticalNoticeBanner notices={notices.critical} />}
        {children}
      </main>
    </div>
  );
}
