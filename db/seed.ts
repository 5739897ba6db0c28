import { randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { count, inArray, sql, type SQL } from "drizzle-orm";
import type { Db, DbHandle } from "./client";
import { createPartitions, DAY_MS, rollUpCheckins } from "./history";
import { withDatabaseLock } from "./migrate";
import {
  accounts,
  alertRules,
  alertSubscriptions,
  auditLog,
  firmwareReleaseModels,
  firmwareReleases,
  maintenancePlans,
  notices,
  staffMembers,
  trainingCourses,
  trainingRecords,
  workOrders,
  merchants,
  rolloutPhases,
  rollouts,
  updateJobs,
  stores,
  technicianAssignments,
  terminalModels,
  terminals,
  users,
  type BusinessHours,
  type JobStatus,
  type WorkOrderType,
  type NetworkType,
  type PhaseStatus,
  type ReleaseChannel,
  type ReleaseStatus,
  type StaffRole,
  type TrainerKind,
  type RolloutTarget,
  type TerminalStatus,
  type UserRole,
} from "./schema";
import { DEFAULT_TIME_ZONE, defaultChecklists } from "./schema/values";

export const DEMO_PASSWORD = "demo-password-1";
export const DEMO_EMAIL_DOMAIN = "demo.posfleet.dev";

const everyDay = (opens: string, closes: string): BusinessHours => Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, { opens, closes }]));

const demoModels = [
  { manufacturer: "PAX", model: "A920 Pro", capabilities: ["chip", "swipe", "contactless", "pin_pad", "printer", "camera", "wifi", "cellular"], firmware: ["2.3.1", "2.4.0"] },
  { manufacturer: "PAX", model: "A80", capabilities: ["chip", "swipe", "contactless", "pin_pad", "ethernet", "wifi"], firmware: ["1.8.2", "1.9.0"] },
  { manufacturer: "Verifone", model: "V400m", capabilities: ["chip", "swipe", "contactless", "pin_pad", "wifi", "cellular"], firmware: ["5.1.0", "5.2.3"] },
  { manufacturer: "Ingenico", model: "Move/5000", capabilities: ["chip", "swipe", "contactless", "pin_pad", "printer", "wifi", "cellular"], firmware: ["11.4.2", "11.6.0"] },
  { manufacturer: "Sunmi", model: "P2", capabilities: ["chip", "contactless", "pin_pad", "printer", "scanner", "camera", "wifi", "cellular"], firmware: ["3.0.7", "3.1.1"] },
] as const;

interface DemoMerchant {
  name: string;
  /** Fixed, so CSV files written for the demo keep working after a re-seed. */
  code: string;
  phone: string;
  contactName: string;
  contactEmail: string;
  /** A store's own line (a landline, never the merchant's registered phone), for the technician's call button. */
  stores: { name: string; code: string; address: string; region: string; phone: string; hours: BusinessHours }[];
  /** serial prefix, count, first status mix */
  fleet?: { prefix: string; count: number };
}

const demoMerchants: DemoMerchant[] = [
  {
    name: "Demo Coffee",
    code: "DEMO-COFFEE",
    phone: "+8613800138000",
    contactName: "Li Wei",
    contactEmail: "owner@demo.posfleet.dev",
    stores: [
      { name: "Demo Coffee Jing'an", code: "JINGAN", address: "1788 Nanjing West Rd, Jing'an", region: "Shanghai", phone: "+862162880101", hours: everyDay("07:00", "22:00") },
      { name: "Demo Coffee Xuhui", code: "XUHUI", address: "88 Caoxi North Rd, Xuhui", region: "Shanghai", phone: "+862164380202", hours: everyDay("07:30", "21:30") },
    ],
  },
  {
    name: "Other Bakery",
    code: "OTHER-BAKERY",
    phone: "+8613900139000",
    contactName: "Zhang Min",
    contactEmail: "owner2@demo.posfleet.dev",
    stores: [{ name: "Other Bakery Chaoyang", code: "CHAOYANG", address: "9 Sanlitun Rd, Chaoyang", region: "Beijing", phone: "+861065320303", hours: everyDay("06:30", "20:00") }],
  },
  {
    name: "Harbor Books",
    code: "HARBOR-BOOKS",
    phone: "+8613700137000",
    contactName: "Chen Jing",
    contactEmail: "contact@harborbooks.example",
    stores: [
      { name: "Harbor Books Tianhe", code: "TIANHE", address: "208 Tianhe Rd, Tianhe", region: "Guangzhou", phone: "+862038840404", hours: everyDay("09:00", "21:00") },
      { name: "Harbor Books Yuexiu", code: "YUEXIU", address: "12 Beijing Rd, Yuexiu", region: "Guangzhou", phone: "+862083330505", hours: everyDay("10:00", "22:00") },
    ],
    fleet: { prefix: "HRB", count: 8 },
  },
  {
    name: "Lotus Noodle House",
    code: "LOTUS-NOODLE",
    phone: "+8613600136000",
    contactName: "Wang Fang",
    contactEmail: "hello@lotusnoodle.example",
    stores: [{ name: "Lotus Noodle Futian", code: "FUTIAN", address: "3 Shennan Blvd, Futian", region: "Shenzhen", phone: "+8675582060606", hours: everyDay("10:30", "23:00") }],
    fleet: { prefix: "LNH", count: 6 },
  },
  {
    name: "Metro Pharmacy",
    code: "METRO-PHARMACY",
    phone: "+8613500135000",
    contactName: "Liu Yang",
    contactEmail: "it@metropharmacy.example",
    stores: [
      { name: "Metro Pharmacy Wuhou", code: "WUHOU", address: "45 Renmin South Rd, Wuhou", region: "Chengdu", phone: "+862885550707", hours: everyDay("08:00", "22:00") },
      { name: "Metro Pharmacy Jinjiang", code: "JINJIANG", address: "17 Chunxi Rd, Jinjiang", region: "Chengdu", phone: "+862886660808", hours: everyDay("08:00", "22:00") },
    ],
    fleet: { prefix: "MPH", count: 8 },
  },
];

const demoUsers: { email: string; name: string; role: UserRole; merchant?: string; assigned?: string[] }[] = [
  { email: `admin@${DEMO_EMAIL_DOMAIN}`, name: "Ada Admin", role: "admin" },
  { email: `tech@${DEMO_EMAIL_DOMAIN}`, name: "Tom Technician", role: "technician", assigned: ["Demo Coffee"] },
  { email: `owner@${DEMO_EMAIL_DOMAIN}`, name: "Li Wei", role: "merchant", merchant: "Demo Coffee" },
  { email: `owner2@${DEMO_EMAIL_DOMAIN}`, name: "Zhang Min", role: "merchant", merchant: "Other Bakery" },
];

/** A small deterministic generator, so the demo fleet looks the same on every machine. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function isDatabaseEmpty(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(users);
  return (row?.n ?? 0) === 0;
}

// Any constant shared by all instances (the migrations use 7_419_001).
const SEED_LOCK_KEY = 7_419_002;

/**
 * Seeds the demo data unless the database has data. Instances starting together on an empty
 * database take turns: each looks again under the lock, so only the first one seeds.
 * Returns whether this call seeded.
 */
export async function seedDemoIfEmpty(handle: DbHandle, now: Date, storeImage?: StoreFirmwareImage): Promise<boolean> {
  if (!(await isDatabaseEmpty(handle.db))) return false;
  return withDatabaseLock(handle, SEED_LOCK_KEY, async () => {
    if (!(await isDatabaseEmpty(handle.db))) return false;
    await seedDemo(handle.db, now, storeImage);
    return true;
  });
}

/** Removes everything but the append-only audit log, for `npm run db:seed` on a used database. */
export async function clearFleetData(db: Db): Promise<void> {
  await db.execute(
    sql`truncate table notice_reads, notice_deliveries, notices, training_records, staff_members, work_order_notes, work_orders, maintenance_plans, calendar_feeds, update_jobs, rollout_phases, rollouts, firmware_release_models, firmware_releases, checkins, checkin_rollups, daily_activity, fleet_daily_activity, device_tokens, scheduled_jobs, ${technicianAssignments}, ${terminals}, ${terminalModels}, ${stores}, sessions, accounts, verifications, rate_limits, ${users}, ${merchants} cascade`,
  );
}

/** Puts an image's bytes into the firmware storage (which lives in server/); the seed only records the result. */
export type StoreFirmwareImage = (bytes: Uint8Array) => Promise<{ key: string; sizeBytes: number; sha256: string }>;

/**
 * Seeds the demo data. With an image store it also seeds firmware releases, a finished and a
 * running rollout; without one (the benchmarks) there is no firmware demo data.
 */
export async function seedDemo(db: Db, now: Date = new Date(), storeImage?: StoreFirmwareImage): Promise<void> {
  const random = prng(20261125);
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const images = new Map<string, Awaited<ReturnType<StoreFirmwareImage>>>();
  if (storeImage) {
    for (const release of demoReleases) images.set(release.version, await storeImage(demoImage(release.version)));
  }
  await db.transaction(async (tx) => {
    const models = await tx
      .insert(terminalModels)
      .values(demoModels.map(({ manufacturer, model, capabilities }) => ({ manufacturer, model, capabilities: [...capabilities] })))
      .returning();

    const merchantIds = new Map<string, string>();
    const storeIdsByMerchant = new Map<string, string[]>();
    for (const m of demoMerchants) {
      // As the console defaults a new merchant: Chinese for a mainland (+86) number.
      const language = m.phone.startsWith("+86") ? "zh-CN" : "en";
      const [merchant] = await tx.insert(merchants).values({ name: m.name, code: m.code, registeredPhone: m.phone, contactName: m.contactName, contactEmail: m.contactEmail, language }).returning();
      merchantIds.set(m.name, merchant!.id);
      const created = await tx
        .insert(stores)
        .values(
          m.stores.map((s) => ({ merchantId: merchant!.id, name: s.name, code: s.code, address: s.address, region: s.region, phone: s.phone, timeZone: "Asia/Shanghai", businessHours: s.hours })),
        )
        .returning({ id: stores.id });
      storeIdsByMerchant.set(
        m.name,
        created.map((s) => s.id),
      );
    }

    const networks: NetworkType[] = ["wifi", "cellular", "ethernet"];
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const activeTerminal = (serialNumber: string, merchant: string, index: number, status: TerminalStatus = "active") => {
      const modelIndex = index % models.length;
      const storeIds = storeIdsByMerchant.get(merchant)!;
      const minutesAgo = random() < 0.85 ? Math.floor(random() * 5) : Math.floor(random() * 60 * 48);
      return {
        serialNumber,
        modelId: models[modelIndex]!.id,
        merchantId: merchantIds.get(merchant)!,
        storeId: storeIds[index % storeIds.length]!,
        status,
        firmwareVersion: pick(demoModels[modelIndex]!.firmware),
        lastSeenAt: new Date(now.getTime() - minutesAgo * 60_000),
        batteryPercent: 15 + Math.floor(random() * 86),
        signalDbm: -50 - Math.floor(random() * 50),
        network: pick(networks),
        activatedAt: new Date(now.getTime() - (30 + Math.floor(random() * 300)) * 86_400_000),
      };
    };

    const rows: (typeof terminals.$inferInsert)[] = [];
    for (let i = 1; i <= 40; i++) rows.push(activeTerminal(`DEMO-${String(i).padStart(4, "0")}`, "Demo Coffee", i));
    for (let i = 101; i <= 110; i++) {
      const storeIds = storeIdsByMerchant.get("Demo Coffee")!;
      rows.push({
        serialNumber: `DEMO-${String(i).padStart(4, "0")}`,
        modelId: models[i % models.length]!.id,
        merchantId: merchantIds.get("Demo Coffee")!,
        storeId: storeIds[i % storeIds.length]!,
        status: "in_stock",
        firmwareVersion: demoModels[i % models.length]!.firmware[0],
      });
    }
    for (let i = 1; i <= 10; i++) rows.push(activeTerminal(`BAKE-${String(i).padStart(4, "0")}`, "Other Bakery", i));
    const otherStatuses: TerminalStatus[] = ["active", "active", "active", "active", "suspended", "faulty", "active", "retired"];
    for (const m of demoMerchants) {
      if (!m.fleet) continue;
      for (let i = 1; i <= m.fleet.count; i++) {
        rows.push(activeTerminal(`${m.fleet.prefix}-${String(i).padStart(4, "0")}`, m.name, i, otherStatuses[(i - 1) % otherStatuses.length]));
      }
    }
    // A few terminals that need attention: long offline, low battery, reporting errors.
    const bySerial = new Map(rows.map((r) => [r.serialNumber, r]));
    Object.assign(bySerial.get("DEMO-0040")!, { lastSeenAt: new Date(now.getTime() - 2 * 86_400_000) });
    Object.assign(bySerial.get("DEMO-0038")!, { lastSeenAt: new Date(now.getTime() - 30 * 3_600_000) });
    Object.assign(bySerial.get("DEMO-0039")!, { batteryPercent: 9 });
    Object.assign(bySerial.get("DEMO-0011")!, { errorCount: 1, lastErrors: [{ code: "CARD_READER_TIMEOUT", message: "No response when a card is inserted" }] });
    // The demo merchants have had their terminals since before any was activated (at most 330 days ago).
    const longAgo = new Date(now.getTime() - 365 * 86_400_000);
    await tx.insert(terminals).values(rows.map((r) => ({ createdAt: longAgo, merchantSince: longAgo, ...r })));
    // Connectivity as of the default heartbeat interval (offline after 15 minutes); the server's sweep keeps it from then on.
    await tx.execute(sql`update terminals set connectivity = (case when last_seen_at >= ${new Date(now.getTime() - 15 * 60_000).toISOString()}::timestamptz then 'online'
      when last_seen_at >= ${new Date(now.getTime() - DAY_MS).toISOString()}::timestamptz then 'offline' else 'offline_day' end)::terminal_connectivity`);
    await seedCheckinHistory(tx, now);

    for (const u of demoUsers) {
      const id = randomUUID();
      await tx.insert(users).values({
        id,
        name: u.name,
        email: u.email,
        emailVerified: true,
        role: u.role,
        merchantId: u.merchant ? merchantIds.get(u.merchant) : null,
      });
      await tx.insert(accounts).values({ id: randomUUID(), accountId: id, providerId: "credential", userId: id, password: passwordHash });
      for (const merchant of u.assigned ?? []) {
        await tx.insert(technicianAssignments).values({ technicianId: id, merchantId: merchantIds.get(merchant)! });
      }
    }
    if (storeImage) await seedFirmware(tx, models, images, now);
    await seedMaintenance(tx, now);
    await seedTraining(tx, now);
    await seedNotices(tx, now);
    await seedAlertRules(tx, merchantIds.get("Demo Coffee")!, now);
    await tx.insert(auditLog).values({ actorLabel: "system", action: "demo.seeded", entityType: "system", entityId: "demo", changes: { terminals: rows.length } });
  });
}

/** The UTC day `offset` days from `now`, as "YYYY-MM-DD". */
const dayFrom = (now: Date, offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * Maintenance demo data: a quarterly plan for Demo Coffee Jing'an (the job creates its work orders
 * a week ahead), a monthly one for Other Bakery, and work orders in every state, some overdue.
 */
async function seedMaintenance(tx: Db, now: Date) {
  const day = (offset: number) => dayFrom(now, offset);
  const [tech] = await tx
    .select({ id: users.id })
    .from(users)
    .where(sql`${users.email} = ${`tech@${DEMO_EMAIL_DOMAIN}`}`);
  const storeRows = await tx.select({ id: stores.id, name: stores.name, merchantId: stores.merchantId }).from(stores);
  const storeNamed = (name: string) => storeRows.find((s) => s.name === name)!;
  const jingan = storeNamed("Demo Coffee Jing'an");
  const bakery = storeNamed("Other Bakery Chaoyang");
  await tx.insert(maintenancePlans).values([
    {
      name: "Quarterly preventive maintenance",
      scope: "store",
      storeId: jingan.id,
      merchantId: jingan.merchantId,
      everyN: 3,
      unit: "month",
      checklist: defaultChecklists.preventive,
      technicianId: tech!.id,
      firstDue: day(5),
      nextDue: day(5),
      leadDays: 7,
    },
    {
      name: "Monthly terminal check",
      scope: "store",
      storeId: bakery.id,
      merchantId: bakery.merchantId,
      everyN: 1,
      unit: "month",
      checklist: defaultChecklists.preventive,
      firstDue: day(20),
      nextDue: day(20),
      leadDays: 7,
    },
  ]);
  const terminalRows = await tx.select({ id: terminals.id, serial: terminals.serialNumber, merchantId: terminals.merchantId, storeId: terminals.storeId }).from(terminals);
  const bySerial = (serial: string) => terminalRows.find((t) => t.serial === serial)!;
  const answered = (type: WorkOrderType) => defaultChecklists[type].map((item) => ({ ...item, result: "pass" as const }));
  const order = (serial: string, values: Partial<typeof workOrders.$inferInsert> & { type: WorkOrderType; title: string; dueDate: string }) => {
    const t = bySerial(serial);
    return { terminalId: t.id, merchantId: t.merchantId, storeId: t.storeId, checklist: defaultChecklists[values.type], ...values };
  };
  await tx.insert(workOrders).values([
    order("DEMO-0001", {
      type: "installation",
      title: "Install at the counter",
      status: "done",
      technicianId: tech!.id,
      dueDate: day(-60),
      checklist: answered("installation"),
      minutesSpent: 45,
      resolution: "Installed, printer and scanner connected, test transaction approved.",
      signoffName: "Li Wei",
      startedAt: new Date(now.getTime() - 60 * 86_400_000),
      completedAt: new Date(now.getTime() - 60 * 86_400_000),
    }),
    order("DEMO-0002", {
      type: "preventive",
      title: "Quarterly preventive maintenance",
      status: "done",
      technicianId: tech!.id,
      dueDate: day(-30),
      checklist: answered("preventive"),
      parts: [{ name: "Paper roll", quantity: 2 }],
      minutesSpent: 25,
      resolution: "Cleaned the reader, replaced the paper.",
      signoffName: "Li Wei",
      completedAt: new Date(now.getTime() - 30 * 86_400_000),
    }),
    order("DEMO-0003", { type: "preventive", title: "Quarterly preventive maintenance", status: "scheduled", technicianId: tech!.id, dueDate: day(-5) }),
    order("DEMO-0005", { type: "inspection", title: "Tamper inspection", status: "open", dueDate: day(-2) }),
    order("DEMO-0009", { type: "preventive", title: "Quarterly preventive maintenance", status: "scheduled", technicianId: tech!.id, dueDate: day(3) }),
    order("DEMO-0011", {
      type: "repair",
      title: "Fault: DEMO-0011",
      titleKind: "fault",
      status: "in_progress",
      priority: "high",
      technicianId: tech!.id,
      dueDate: day(1),
      symptoms: ["card_insert_no_response"],
      description: "No response when a card is inserted.",
      reportedBy: `owner@${DEMO_EMAIL_DOMAIN}`,
      startedAt: now,
    }),
    // Past tamper inspections: the stores' PCI DSS 9.5.1 evidence shows them per device.
    ...["DEMO-0021", "DEMO-0022", "DEMO-0023", "DEMO-0024", "BAKE-0001"].map((serial, i) =>
      order(serial, {
        type: "inspection",
        title: "Tamper inspection",
        status: "done",
        technicianId: serial.startsWith("DEMO") ? tech!.id : null,
        dueDate: day(-40 - i),
        checklist: answered("inspection"),
        minutesSpent: 10,
        resolution: "Seals intact, serial number matches the device list.",
        signoffName: serial.startsWith("DEMO") ? "Li Wei" : "Zhang Min",
        startedAt: new Date(now.getTime() - (40 + i) * 86_400_000),
        completedAt: new Date(now.getTime() - (40 + i) * 86_400_000),
      }),
    ),
    order("BAKE-0002", {
      type: "repair",
      title: "Fault: BAKE-0002",
      titleKind: "fault",
      status: "open",
      dueDate: day(2),
      symptoms: ["printer_fault"],
      description: "Receipts come out blank.",
      reportedBy: `owner2@${DEMO_EMAIL_DOMAIN}`,
    }),
  ]);
}

/**
 * Staff and training records in every demo store. Per store: a manager and a cashier current on
 * everything, a cashier whose tamper training expires within the month, a cashier whose card and
 * PIN safety training expired, a stock clerk, and someone who left. Demo Coffee Xuhui instead has
 * three cashiers without a valid card and PIN safety pass (one expired, two never trained), so a
 * single session brings the store to full compliance. Expiry is the course's validity from the day.
 */
async function seedTraining(tx: Db, now: Date) {
  const day = (offset: number) => dayFrom(now, offset);
  const courses = new Map((await tx.select({ id: trainingCourses.id, key: trainingCourses.key }).from(trainingCourses)).map((c) => [c.key, c.id]));
  const [tech] = await tx
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(sql`${users.email} = ${`tech@${DEMO_EMAIL_DOMAIN}`}`);
  const storeRows = await tx
    .select({ id: stores.id, name: stores.name, merchantId: stores.merchantId, owner: merchants.contactName })
    .from(stores)
    .innerJoin(merchants, sql`${merchants.id} = ${stores.merchantId}`)
    .orderBy(stores.name);
  const names = [
    "Wang Lei",
    "Zhao Min",
    "Sun Yu",
    "Zhou Jie",
    "Wu Ting",
    "Xu Hao",
    "Hu Jing",
    "Guo Qiang",
    "He Na",
    "Gao Yan",
    "Lin Tao",
    "Luo Xin",
    "Zheng Kai",
    "Liang Yi",
    "Song Wen",
    "Tang Lu",
    "Han Bo",
    "Feng Rui",
    "Deng Hui",
    "Cao Yang",
    "Peng Fei",
    "Zeng Li",
    "Xiao Dan",
    "Tian Ye",
    "Dong Mei",
    "Pan Jun",
    "Yuan Ning",
    "Cai Hong",
    "Jiang Tao",
    "Yu Qing",
    "Du Wei",
    "Ye Fang",
    "Cheng Hao",
    "Wei Lan",
    "Su Bin",
    "Lu Yao",
    "Ding Kun",
    "Shen Yue",
    "Ren Jia",
    "Yao Chen",
    "Lu Ping",
    "Jin Shu",
    "Qin Rong",
    "Fan Xue",
    "Fu Guang",
    "Kong Ling",
    "Bai Lu",
    "Shi Hang",
  ];
  let nameIndex = 0;
  const all = ["terminal_operation", "tamper_spotting", "card_pin_safety", "refunds_disputes"];
  type Person = { role: StaffRole; active?: boolean; passed: Record<string, number>; failed?: Record<string, number> };
  const current = (keys: string[], daysAgo: number) => Object.fromEntries(keys.map((k) => [k, daysAgo]));
  const standard: Person[] = [
    { role: "manager", passed: current(all, 100) },
    { role: "cashier", passed: current(["terminal_operation", "tamper_spotting", "card_pin_safety"], 200) },
    { role: "cashier", passed: { ...current(["terminal_operation", "card_pin_safety"], 150), tamper_spotting: 352 } },
    { role: "cashier", passed: { ...current(["terminal_operation", "tamper_spotting"], 60), card_pin_safety: 395 }, failed: { tamper_spotting: 75 } },
    { role: "other", passed: current(["tamper_spotting"], 90) },
    { role: "cashier", active: false, passed: current(["terminal_operation", "tamper_spotting", "card_pin_safety"], 420) },
  ];
  const xuhui: Person[] = [
    { role: "manager", passed: current(all, 120) },
    { role: "cashier", passed: current(["terminal_operation", "tamper_spotting", "card_pin_safety"], 45) },
    { role: "cashier", passed: { ...current(["terminal_operation", "tamper_spotting"], 30), card_pin_safety: 400 } },
    { role: "cashier", passed: current(["terminal_operation", "tamper_spotting"], 30) },
    { role: "cashier", passed: current(["terminal_operation", "tamper_spotting"], 30) },
    { role: "other", passed: current(["tamper_spotting"], 30) },
  ];
  for (const store of storeRows) {
    const people = store.name === "Demo Coffee Xuhui" ? xuhui : standard;
    const staff = await tx
      .insert(staffMembers)
      .values(
        people.map((p) => ({
          merchantId: store.merchantId,
          storeId: store.id,
          name: names[nameIndex++ % names.length]!,
          role: p.role,
          active: p.active ?? true,
          leftOn: p.active === false ? day(-60) : null,
        })),
      )
      .returning({ id: staffMembers.id });
    // Demo Coffee's sessions are given by its technician; the others by the owner or an outside trainer.
    const trainer: { trainerKind: TrainerKind; trainerUserId: string | null; trainerName: string } = store.name.startsWith("Demo Coffee")
      ? { trainerKind: "technician", trainerUserId: tech!.id, trainerName: tech!.name }
      : store.name.startsWith("Harbor")
        ? { trainerKind: "external", trainerUserId: null, trainerName: "SafePay Training Ltd." }
        : { trainerKind: "merchant_owner", trainerUserId: null, trainerName: store.owner ?? "Owner" };
    // Attendees of the same course on the same day share a session.
    const sessions = new Map<string, string>();
    const sessionOf = (key: string, daysAgo: number) => sessions.get(`${key}@${daysAgo}`) ?? sessions.set(`${key}@${daysAgo}`, randomUUID()).get(`${key}@${daysAgo}`)!;
    const records = people.flatMap((p, i) =>
      [
        ...Object.entries(p.failed ?? {}).map(([key, daysAgo]) => ({ key, daysAgo, result: "failed" as const, score: 55 })),
        ...Object.entries(p.passed).map(([key, daysAgo]) => ({ key, daysAgo, result: "passed" as const, score: 80 + ((i * 7 + daysAgo) % 20) })),
      ]
        .filter((r) => courses.has(r.key))
        .map((r) => ({
          sessionId: sessionOf(r.key, r.daysAgo),
          staffId: staff[i]!.id,
          merchantId: store.merchantId,
          courseId: courses.get(r.key)!,
          trainedOn: day(-r.daysAgo),
          result: r.result,
          score: r.score,
          ...trainer,
          notes: "",
        })),
    );
    await tx.insert(trainingRecords).values(records);
  }
  // The database's month arithmetic clamps to the month's end like the service's trainingExpiry
  // (db/ does not import server/); the training integration test checks the two agree.
  await tx.execute(sql`update training_records set expires_on = (trained_on + make_interval(months => training_courses.validity_months))::date
    from training_courses where training_courses.id = training_records.course_id and training_records.result = 'passed'`);
}

/**
 * Demo notices: one scheduled a minute after seeding, which the publish-notices job then publishes
 * to everyone (so its receipts are the real ones), and a draft.
 */
async function seedNotices(tx: Db, now: Date) {
  const nobody = { everyone: false, merchantIds: [], storeIds: [], regions: [], modelIds: [], firmwareVersions: [], rolloutId: null };
  await tx.insert(notices).values([
    {
      title: "Card-payment gateway maintenance on Sunday 02:00–03:00",
      body: "The acquirer's gateway is serviced on **Sunday between 02:00 and 03:00** (Beijing time).\n\n- Card payments may be declined during that hour.\n- Keep the terminals powered on; nothing needs to be done.",
      severity: "info",
      status: "scheduled",
      audience: { ...nobody, everyone: true, roles: ["merchant", "technician"] },
      channels: { inbox: true, terminals: true, sms: false },
      publishAt: new Date(now.getTime() + 60_000),
      expiresAt: new Date(now.getTime() + 7 * 86_400_000),
    },
    {
      title: "Use only the supplied thermal paper rolls",
      body: "Third-party rolls jam the A920 Pro printer. Order rolls from the console's supplies page.",
      severity: "warning",
      status: "draft",
      audience: { ...nobody, modelIds: [], merchantIds: [], regions: ["Shanghai", "Beijing"], roles: ["merchant"] },
      channels: { inbox: true, terminals: false, sms: false },
    },
  ]);
}

/**
 * Alert rules people start with: the fleet's offline, tamper and rollout rules for the admin (the
 * technician follows the offline one for his merchant), Demo Coffee's own low-battery rule, and
 * work orders assigned to the technician. The server raises their alerts as soon as it has seeded.
 */
async function seedAlertRules(tx: Db, demoCoffeeId: string, now: Date) {
  const people = await tx.select({ id: users.id, email: users.email }).from(users);
  const idOf = (name: string) => people.find((p) => p.email === `${name}@${DEMO_EMAIL_DOMAIN}`)!.id;
  const [admin, tech, owner] = [idOf("admin"), idOf("tech"), idOf("owner")];
  const rules = await tx
    .insert(alertRules)
    .values([
      { name: "Terminals offline for 30 minutes", kind: "terminal_offline", severity: "warning", threshold: 30, createdBy: admin },
      { name: "Failed tamper checks", kind: "tamper_failed", severity: "critical", sms: true, createdBy: admin },
      { name: "Rollouts that paused themselves", kind: "rollout_paused", severity: "warning", createdBy: admin },
      { name: "Work orders assigned to me", kind: "work_order_assigned", severity: "info", email: false, createdBy: admin },
      { name: "Low battery at Demo Coffee", kind: "low_battery", severity: "info", threshold: 15, ownerMerchantId: demoCoffeeId, merchantIds: [demoCoffeeId], createdBy: owner },
    ] as const)
    .returning({ id: alertRules.id, kind: alertRules.kind });
  const ruleOf = (kind: string) => rules.find((r) => r.kind === kind)!.id;
  await tx
    .insert(alertSubscriptions)
    .values([
      ...["terminal_offline", "tamper_failed", "rollout_paused", "work_order_assigned"].map((kind) => ({ ruleId: ruleOf(kind), userId: admin, createdAt: now })),
      { ruleId: ruleOf("terminal_offline"), userId: tech, createdAt: now },
      { ruleId: ruleOf("tamper_failed"), userId: tech, createdAt: now },
      { ruleId: ruleOf("low_battery"), userId: owner, createdAt: now },
      { ruleId: ruleOf("low_battery"), userId: tech, createdAt: now },
    ]);
}

/** The demo releases: each model's two versions in the fleet, a beta, a newer P2 release being rolled out, and a draft. */
const demoReleases: { version: string; model: string; channel: ReleaseChannel; status: ReleaseStatus; daysAgo: number; notes: string }[] = [
  ...demoModels.flatMap((m) =>
    m.firmware.map((version, i) => ({
      version,
      model: m.model,
      channel: "stable" as const,
      status: "published" as const,
      daysAgo: i === 0 ? 120 : 45,
      notes: `${m.manufacturer} ${m.model} firmware ${version}.`,
    })),
  ),
  { version: "2.5.0-beta.1", model: "A920 Pro", channel: "beta", status: "published", daysAgo: 6, notes: "Faster contactless kernel; for pilot stores." },
  { version: "3.2.0", model: "P2", channel: "stable", status: "published", daysAgo: 3, notes: "Security patch: PIN pad firmware and TLS library." },
  { version: "1.9.1", model: "A80", channel: "stable", status: "draft", daysAgo: 1, notes: "Printer driver fixes (image pending)." },
];

/** Deterministic bytes, so every machine's demo images have the same sha256. */
function demoImage(version: string): Uint8Array {
  const bytes = new Uint8Array(256 * 1024);
  const seed = `POS Fleet demo firmware ${version}\n`;
  for (let i = 0; i < bytes.length; i++) bytes[i] = seed.charCodeAt(i % seed.length) ^ (i >> 10);
  // ELF's magic number: a downloaded demo image passes the upload's format check (server/services/firmware-format.ts).
  bytes.set([0x7f, 0x45, 0x4c, 0x46]);
  return bytes;
}

/**
 * Firmware demo data: the releases, a completed rollout (V400m to 5.2.3, the version those
 * terminals run) and a running one (P2 to 3.2.0 at the other merchants, halfway through phase 2).
 */
async function seedFirmware(tx: Db, models: { id: string; model: string }[], images: Map<string, { key: string; sizeBytes: number; sha256: string }>, now: Date) {
  const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
  const modelId = (model: string) => models.find((m) => m.model === model)!.id;
  const releaseIds = new Map<string, string>();
  for (const r of demoReleases) {
    const image = r.status === "draft" ? undefined : images.get(r.version);
    const [release] = await tx
      .insert(firmwareReleases)
      .values({
        version: r.version,
        channel: r.channel,
        status: r.status,
        notes: r.notes,
        storageKey: image?.key,
        fileName: image ? `${r.model.replace(/\W+/g, "-").toLowerCase()}-${r.version}.bin` : null,
        sizeBytes: image?.sizeBytes,
        sha256: image?.sha256,
        createdBy: `admin@${DEMO_EMAIL_DOMAIN}`,
        createdAt: daysAgo(r.daysAgo),
        publishedAt: r.status === "published" ? daysAgo(r.daysAgo) : null,
      })
      .returning({ id: firmwareReleases.id });
    await tx.insert(firmwareReleaseModels).values({ releaseId: release!.id, modelId: modelId(r.model) });
    releaseIds.set(`${r.model} ${r.version}`, release!.id);
  }

  const rolloutOf = async (
    values: { name: string; release: string; status: "completed" | "running"; startedDaysAgo: number; target: RolloutTarget },
    phases: { percent: number; status: PhaseStatus }[],
  ) => {
    const [rollout] = await tx
      .insert(rollouts)
      .values({
        name: values.name,
        releaseId: releaseIds.get(values.release)!,
        status: values.status,
        target: values.target,
        startsAt: daysAgo(values.startedDaysAgo),
        createdBy: `admin@${DEMO_EMAIL_DOMAIN}`,
        createdAt: daysAgo(values.startedDaysAgo),
        updatedAt: now,
        finishedAt: values.status === "completed" ? daysAgo(values.startedDaysAgo - 2) : null,
      })
      .returning({ id: rollouts.id });
    const phaseRows = await tx
      .insert(rolloutPhases)
      .values(
        phases.map((p, i) => ({
          rolloutId: rollout!.id,
          position: i + 1,
          percent: p.percent,
          successThreshold: 95,
          failureThreshold: 30,
          status: p.status,
          startedAt: p.status === "pending" ? null : daysAgo(values.startedDaysAgo - i),
          completedAt: p.status === "completed" ? daysAgo(values.startedDaysAgo - i - 1) : null,
        })),
      )
      .returning({ id: rolloutPhases.id, position: rolloutPhases.position });
    return { rolloutId: rollout!.id, phaseIds: phaseRows.sort((a, b) => a.position - b.position).map((p) => p.id) };
  };

  // Completed: every V400m that runs 5.2.3 got it through this rollout.
  const v400m = await tx
    .select({ id: terminals.id })
    .from(terminals)
    .where(sql`${terminals.modelId} = ${modelId("V400m")} and ${terminals.firmwareVersion} = '5.2.3' and ${terminals.status} in ('active', 'faulty')`);
  const finished = await rolloutOf({ name: "V400m 5.2.3 fleet update", release: "V400m 5.2.3", status: "completed", startedDaysAgo: 40, target: { modelIds: [modelId("V400m")] } }, [
    { percent: 100, status: "completed" },
  ]);
  if (v400m.length) {
    await tx.insert(updateJobs).values(
      v400m.map((t) => ({
        rolloutId: finished.rolloutId,
        phaseId: finished.phaseIds[0]!,
        terminalId: t.id,
        fromVersion: "5.1.0",
        status: "succeeded" as const,
        progressPercent: 100,
        createdAt: daysAgo(40),
        updatedAt: daysAgo(39),
        finishedAt: daysAgo(39),
      })),
    );
  }
  await tx
    .update(rolloutPhases)
    .set({ terminalCount: v400m.length })
    .where(sql`${rolloutPhases.id} = ${finished.phaseIds[0]!}`);
  await tx
    .update(rollouts)
    .set({ terminalCount: v400m.length, jobCounts: { succeeded: v400m.length } })
    .where(sql`${rollouts.id} = ${finished.rolloutId}`);

  // Running: the P2 terminals of the other merchants; phase 1 done, phase 2 under way with one failure.
  const p2 = await tx
    .select({ id: terminals.id, serial: terminals.serialNumber, version: terminals.firmwareVersion })
    .from(terminals)
    .where(sql`${terminals.modelId} = ${modelId("P2")} and ${terminals.status} in ('active', 'faulty') and ${terminals.serialNumber} not like 'DEMO-%'`)
    .orderBy(terminals.serialNumber);
  const running = await rolloutOf({ name: "P2 3.2.0 security patch", release: "P2 3.2.0", status: "running", startedDaysAgo: 2, target: { modelIds: [modelId("P2")] } }, [
    { percent: 20, status: "completed" },
    { percent: 100, status: "running" },
  ]);
  const phaseOneSize = Math.max(1, Math.ceil(p2.length * 0.2));
  const phaseTwoStates = ["succeeded", "installing", "failed", "pending", "downloading"] as const;
  const jobs = p2.map((t, i) => {
    const status = i < phaseOneSize ? "succeeded" : phaseTwoStates[(i - phaseOneSize) % phaseTwoStates.length]!;
    return {
      rolloutId: running.rolloutId,
      phaseId: running.phaseIds[i < phaseOneSize ? 0 : 1]!,
      terminalId: t.id,
      fromVersion: t.version,
      status,
      progressPercent: status === "succeeded" ? 100 : status === "downloading" ? 40 : null,
      errorCode: status === "failed" ? "install_verify_failed" : null,
      message: status === "failed" ? "Signature check of the installed image failed" : null,
      createdAt: daysAgo(2),
      // Updates under way reported recently: silent ones would be ended by the rollout job.
      updatedAt: status === "installing" || status === "downloading" ? new Date(now.getTime() - 2 * 3_600_000) : daysAgo(1),
      finishedAt: status === "succeeded" || status === "failed" ? daysAgo(1) : null,
    };
  });
  if (jobs.length) await tx.insert(updateJobs).values(jobs);
  const updated = p2.filter((_, i) => jobs[i]!.status === "succeeded").map((t) => t.id);
  if (updated.length) await tx.update(terminals).set({ firmwareVersion: "3.2.0" }).where(inArray(terminals.id, updated));
  await tx
    .update(rolloutPhases)
    .set({ terminalCount: phaseOneSize })
    .where(sql`${rolloutPhases.id} = ${running.phaseIds[0]!}`);
  await tx
    .update(rolloutPhases)
    .set({ terminalCount: p2.length - phaseOneSize })
    .where(sql`${rolloutPhases.id} = ${running.phaseIds[1]!}`);
  const jobCounts: Partial<Record<JobStatus, number>> = {};
  for (const job of jobs) jobCounts[job.status] = (jobCounts[job.status] ?? 0) + 1;
  await tx
    .update(rollouts)
    .set({ terminalCount: p2.length, jobCounts })
    .where(sql`${rollouts.id} = ${running.rolloutId}`);
}

/**
 * Seven days of check-ins every 30 minutes up to each active terminal's last check-in, ending in
 * its current state: the battery drains 3 % an hour between charges, the signal wanders, shops
 * trade from 08:00 to 21:00 and the odd error occurs. Derived from hashes, so every machine gets
 * the same history.
 */
async function seedCheckinHistory(tx: Db, now: Date) {
  // Daily partitions for the seeded week before each terminal's last check-in (up to two days ago);
  // the retention job replaces them with its own as they expire.
  const [from, to] = [new Date(now.getTime() - 10 * DAY_MS), new Date(now.getTime() + DAY_MS)];
  await createPartitions(tx, "checkins", from, to, DAY_MS);
  await createPartitions(tx, "checkin_rollups", from, to, DAY_MS);
  await tx.execute(sql`
    insert into checkins (terminal_id, at, firmware_version, battery_percent, signal_dbm, network, errors, transactions)
    select t.id, s.at, t.firmware_version,
      case when s.hours = 0 then t.battery_percent else (((t.battery_percent - 10 + 3 * s.hours) % 90) + 10)::smallint end,
      case when s.hours = 0 then t.signal_dbm else greatest(-110, least(-40, t.signal_dbm + abs(hashtext(t.serial_number || extract(epoch from s.at)::text)) % 13 - 6))::smallint end,
      t.network,
      case when s.hours = 0 then t.last_errors when abs(hashtext(extract(epoch from s.at)::text || t.serial_number)) % 60 = 0 then '[{"code":"NETWORK_TIMEOUT"}]'::jsonb end,
      case when extract(hour from s.at at time zone 'Asia/Shanghai') between 8 and 21 then abs(hashtext(t.serial_number || extract(epoch from s.at)::text || 'tx')) % 14 else 0 end
    from terminals t
    cross join lateral (
      select at, (extract(epoch from t.last_seen_at - at) / 3600)::int as hours
      from generate_series(t.last_seen_at - interval '7 days', t.last_seen_at, interval '30 minutes') at
    ) s
    where t.status = 'active' and t.last_seen_at is not null`);
  await rollUpCheckins(tx, from);
  await tx.execute(sql`
    insert into daily_activity (day, merchant_id, transactions, checkins)
    select (c.at at time zone ${DEFAULT_TIME_ZONE})::date, t.merchant_id, sum(c.transactions), count(*)
    from checkins c join terminals t on t.id = c.terminal_id
    where t.merchant_id is not null group by 1, 2`);
}

/** How seedLargeFleet sets the generated terminals' latest state. */
export interface LargeFleetOptions {
  /**
   * The fleet as a live system has it at this moment (the console benchmark): most active terminals
   * checked in within the last 5 minutes and are online, one in twenty stopped 20 minutes to 3 days
   * earlier, suspended and faulty ones 1 to 15 days earlier, and terminals in stock were never seen
   * (no battery, signal or network either); one in 150 terminals in service reported an error in its
   * last check-in; ethernet terminals report no signal. The rows are created at this moment.
   * Without it, last check-ins are spread evenly over the 10 hours before now().
   */
  liveAt?: Date;
}

/**
 * Adds a large generated fleet (merchants with 100 terminals each) for scale tests and benchmarks.
 * Rows are produced by generate_series inside the database, so 100,000 terminals take seconds.
 */
export async function seedLargeFleet(db: Db, terminalCount: number, { liveAt }: LargeFleetOptions = {}): Promise<void> {
  const merchantCount = Math.max(1, Math.ceil(terminalCount / 100));
  const at = liveAt ? sql`${liveAt.toISOString()}::timestamptz` : sql`now()`;
  const inStock = sql`f.status = 'in_stock'`;
  const lastSeen = liveAt
    ? sql`case when f.status = 'in_stock' then null
        when f.status <> 'active' then ${at} - (86400 + f.h % 1209600) * interval '1 second'
        when f.h % 20 = 0 then ${at} - (1200 + f.h % 258000) * interval '1 second'
        else ${at} - (f.h % 300) * interval '1 second' end`
    : sql`now() - ((f.g % 600) * interval '1 minute')`;
  // Offline after three missed 5-minute check-ins, as the server's sweep decides at the default interval.
  const connectivity = liveAt
    ? sql`case when f.last_seen > ${at} - interval '15 minutes' then 'online' when f.last_seen >= ${at} - interval '1 day' then 'offline' else 'offline_day' end`
    : sql`case when f.g % 600 < 15 then 'online' else 'offline' end`;
  const hasError = sql`f.status in ('active', 'faulty') and f.h % 150 = 7`;
  const network = sql`(array['wifi','cellular','ethernet'])[1 + (f.g % 3)]::network_type`;
  const live = (value: SQL, otherwise: SQL) => (liveAt ? value : otherwise);
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into merchants (name, registered_phone, contact_name)
      select 'Fleet Merchant ' || lpad(g::text, 5, '0'), '+86137' || lpad(g::text, 8, '0'), 'Fleet contact ' || g
      from generate_series(1, ${merchantCount}) g`);
    await tx.execute(sql`
      insert into stores (merchant_id, name, address, region, time_zone)
      select m.id, m.name || ' Store ' || s, s || ' Fleet Road', (array['Shanghai','Beijing','Guangzhou','Shenzhen','Chengdu'])[1 + (s % 5)], 'Asia/Shanghai'
      from merchants m cross join generate_series(1, 2) s
      where m.name like 'Fleet Merchant %'`);
    await tx.execute(sql`
      with fleet_stores as (
        select s.id as store_id, s.merchant_id, row_number() over (order by s.merchant_id, s.id) - 1 as n
        from stores s join merchants m on m.id = s.merchant_id where m.name like 'Fleet Merchant %'
      ), store_count as (select count(*) as c from fleet_stores),
      model_list as (select id, row_number() over (order by manufacturer, model) - 1 as n from terminal_models),
      model_count as (select count(*) as c from model_list),
      generated as (
        select g, 'FLEET-' || lpad(g::text, 7, '0') as serial,
          (case when g % 50 = 0 then 'in_stock' when g % 97 = 0 then 'faulty' when g % 89 = 0 then 'suspended' else 'active' end)::terminal_status as status,
          hashtext('FLEET-' || lpad(g::text, 7, '0')) & 2147483647 as h
        from generate_series(1, ${terminalCount}) g
      ), fleet as (select f.*, ${lastSeen} as last_seen from generated f)
      insert into terminals (serial_number, model_id, merchant_id, store_id, status, firmware_version, last_seen_at, connectivity, battery_percent, signal_dbm, network,
        error_count, last_errors, activated_at, merchant_since, created_at, updated_at)
      select f.serial, ml.id, fs.merchant_id, fs.store_id, f.status,
        '1.' || (f.g % 4) || '.0',
        f.last_seen, (${connectivity})::terminal_connectivity,
        ${live(sql`case when not ${inStock} then 10 + (f.g % 90) end`, sql`10 + (f.g % 90)`)},
        ${live(sql`case when not ${inStock} and f.g % 3 <> 2 then -50 - (f.g % 50) end`, sql`-50 - (f.g % 50)`)},
        ${live(sql`case when not ${inStock} then ${network} end`, network)},
        ${live(sql`case when ${hasError} then 1 else 0 end`, sql`0`)},
        ${live(sql`case when ${hasError} then jsonb_build_array(jsonb_build_object('code', (array['NETWORK_TIMEOUT', 'CARD_READER_TIMEOUT', 'PRINTER_PAPER_OUT', 'LOW_MEMORY'])[1 + f.h % 4])) end`, sql`null`)},
        ${live(sql`case when not ${inStock} then ${at} - ((f.g % 365) * interval '1 day') end`, sql`now() - ((f.g % 365) * interval '1 day')`)},
        -- Their merchants have had them since before their activation and check-in history.
        ${at} - interval '1 year', ${at}, ${at}
      from fleet f
      cross join store_count sc cross join model_count mc
      join fleet_stores fs on fs.n = (f.g % sc.c)
      join model_list ml on ml.n = (f.g % mc.c)`);
  });
}
