// The enumerations of the schema, spelled once. This file imports nothing, so zod schemas and
// browser code can use it without pulling in the database layer.

export const userRoles = ["admin", "technician", "merchant"] as const;
export type UserRole = (typeof userRoles)[number];

export const merchantStatuses = ["active", "suspended", "closed"] as const;
export type MerchantStatus = (typeof merchantStatuses)[number];

/** Titles the system gives work orders, worded in the reader's language (workOrder.titles.<kind>). */
export const workOrderTitleKinds = ["fault", "tamper_follow_up"] as const;
export type WorkOrderTitleKind = (typeof workOrderTitleKinds)[number];

/** The languages a merchant's SMS and drafts can be written in: the console's two. */
export const merchantLanguages = ["en", "zh-CN"] as const;
export type MerchantLanguage = (typeof merchantLanguages)[number];

export const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof weekdays)[number];
/** Opening hours per weekday as "HH:MM" pairs; a missing day is closed. */
export type BusinessHours = Partial<Record<Weekday, { opens: string; closes: string }>>;

export const terminalCapabilities = ["chip", "swipe", "contactless", "pin_pad", "printer", "scanner", "camera", "wifi", "cellular", "ethernet"] as const;
export type TerminalCapability = (typeof terminalCapabilities)[number];

export const terminalStatuses = ["in_stock", "active", "suspended", "faulty", "retired"] as const;
export type TerminalStatus = (typeof terminalStatuses)[number];

export const networkTypes = ["wifi", "cellular", "ethernet"] as const;
export type NetworkType = (typeof networkTypes)[number];

/**
 * Whether a terminal is checking in, kept on the row by the heartbeat (online) and a sweep (offline
 * after three missed check-ins, offline_day after a day), so counts and filters never compare times.
 */
export const terminalConnectivities = ["online", "offline", "offline_day"] as const;
export type TerminalConnectivity = (typeof terminalConnectivities)[number];

/** Below this battery level a terminal needs attention (the overview, the list filter, a partial index). */
export const LOW_BATTERY_PERCENT = 20;

export const activationStatuses = ["pending", "verified", "locked", "replaced", "cancelled", "failed"] as const;
export const smsStatuses = ["queued", "sent", "failed"] as const;

export const releaseChannels = ["stable", "beta"] as const;
export type ReleaseChannel = (typeof releaseChannels)[number];
export const releaseStatuses = ["draft", "published", "deprecated"] as const;
export type ReleaseStatus = (typeof releaseStatuses)[number];

export const rolloutStatuses = ["scheduled", "running", "paused", "completed", "cancelled"] as const;
export type RolloutStatus = (typeof rolloutStatuses)[number];
export const phaseStatuses = ["pending", "running", "awaiting_approval", "completed"] as const;
export type PhaseStatus = (typeof phaseStatuses)[number];

/** The device API's update statuses in their only allowed order, then the server's own end state. */
export const reportedJobStatuses = ["downloading", "downloaded", "installing", "succeeded", "failed"] as const;
export type ReportedJobStatus = (typeof reportedJobStatuses)[number];
export const jobStatuses = ["pending", ...reportedJobStatuses, "cancelled"] as const;
export type JobStatus = (typeof jobStatuses)[number];
/** A terminal has at most one job in these states. */
export const openJobStatuses = ["pending", "downloading", "downloaded", "installing"] as const satisfies readonly JobStatus[];

/** The fleet's home time zone: new stores start in it, and a terminal without a store follows it. */
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/** When installs may run unless a store says otherwise: at night, in the store's time zone. */
export const DEFAULT_MAINTENANCE_WINDOW = { starts: "02:00", ends: "05:00" } as const;

export const workOrderTypes = ["installation", "preventive", "inspection", "repair"] as const;
export type WorkOrderType = (typeof workOrderTypes)[number];
export const workOrderStatuses = ["open", "scheduled", "in_progress", "done", "cancelled"] as const;
export type WorkOrderStatus = (typeof workOrderStatuses)[number];
export const workOrderPriorities = ["low", "normal", "high", "urgent"] as const;
export type WorkOrderPriority = (typeof workOrderPriorities)[number];
export const checklistResults = ["pass", "fail", "na"] as const;
export type ChecklistResult = (typeof checklistResults)[number];
export const planScopes = ["terminal", "store", "model"] as const;
export type PlanScope = (typeof planScopes)[number];
export const recurrenceUnits = ["day", "week", "month"] as const;
export type RecurrenceUnit = (typeof recurrenceUnits)[number];
/** What merchants report most often; "other" takes free text. */
export const faultSymptoms = ["card_insert_no_response", "transaction_error", "printer_fault", "no_network", "screen_or_keys", "power", "other"] as const;
export type FaultSymptom = (typeof faultSymptoms)[number];

/** One line of a work order's checklist; `tamper` marks the PCI DSS 9.5.1.2 inspection. */
export interface ChecklistItem {
  key: string;
  tamper?: boolean;
}
export interface ChecklistEntry extends ChecklistItem {
  result?: ChecklistResult;
  note?: string;
}

/** Every checklist line there is, once, for plans that choose their own lines. */
export const checklistItems = (): ChecklistItem[] => [
  ...new Map(
    Object.values(defaultChecklists)
      .flat()
      .map((item) => [item.key, item]),
  ).values(),
];

/** Checklists from the field, by work-order type; labels are in the message catalogues (checklist.<key>). */
export const defaultChecklists: Record<WorkOrderType, ChecklistItem[]> = {
  preventive: [
    { key: "clean_reader" },
    { key: "check_power" },
    { key: "test_card_methods" },
    { key: "check_printer" },
    { key: "tamper_inspection", tamper: true },
    { key: "firmware_current" },
    { key: "test_transaction" },
  ],
  installation: [{ key: "placement" }, { key: "peripherals_connected" }, { key: "test_transaction" }, { key: "activation_done" }],
  inspection: [{ key: "tamper_inspection", tamper: true }, { key: "serial_matches" }],
  repair: [{ key: "fault_found" }, { key: "tamper_inspection", tamper: true }, { key: "test_transaction" }],
};

export const staffRoles = ["cashier", "manager", "other"] as const;
export type StaffRole = (typeof staffRoles)[number];
export const trainingResults = ["passed", "failed"] as const;
export type TrainingResult = (typeof trainingResults)[number];
/** Who gave a session: one of the merchant's technicians, the merchant owner, or an outside trainer. */
export const trainerKinds = ["technician", "merchant_owner", "external"] as const;
export type TrainerKind = (typeof trainerKinds)[number];
/**
 * How a training record stands on a day: renewed (a later pass replaced it), expired, expiring
 * within 30 days, current, or failed (never counts).
 */
export const trainingStates = ["current", "expiring", "expired", "renewed", "failed"] as const;
export type TrainingState = (typeof trainingStates)[number];
/** PCI DSS 12.6.3 asks for training at least every 12 months. */
export const DEFAULT_TRAINING_VALIDITY_MONTHS = 12;

export const noticeSeverities = ["info", "warning", "critical"] as const;
export type NoticeSeverity = (typeof noticeSeverities)[number];
/** draft → scheduled → published → withdrawn; a draft may be published at once. */
export const noticeStatuses = ["draft", "scheduled", "published", "withdrawn"] as const;
export type NoticeStatus = (typeof noticeStatuses)[number];
/** The console users a notice can be addressed to. */
export const noticeReaderRoles = ["merchant", "technician"] as const;
export type NoticeReaderRole = (typeof noticeReaderRoles)[number];

/**
 * Who a notice is for. Everyone, or: terminals at the chosen merchants, stores or regions, or
 * listed one by one (any of them; none chosen means anywhere), narrowed to the chosen models,
 * firmware versions and rollout. Console readers are the chosen roles of the merchants those
 * terminals (or places) belong to.
 */
export interface NoticeAudience {
  everyone: boolean;
  merchantIds: string[];
  storeIds: string[];
  regions: string[];
  /** Terminals chosen in the terminal list ("add to a notice's audience"). */
  terminalIds: string[];
  modelIds: string[];
  firmwareVersions: string[];
  rolloutId: string | null;
  roles: NoticeReaderRole[];
}

/** An audience as the notices table holds it: rows written before terminals could be listed have no terminalIds. */
export type StoredNoticeAudience = Omit<NoticeAudience, "terminalIds"> & Partial<Pick<NoticeAudience, "terminalIds">>;

/** A notice lists at most this many terminals; a larger audience is better addressed by merchant, store or model. */
export const NOTICE_AUDIENCE_TERMINALS_MAX = 10_000;

/** A registered phone gets at most this many notice SMS a day, however many critical notices go out. */
export const NOTICE_SMS_PER_PHONE_PER_DAY = 3;

export interface NoticeChannels {
  /** The console inbox of the audience's merchant owners and technicians. */
  inbox: boolean;
  /** The terminals, in their heartbeat answer, until they acknowledge it or it expires. */
  terminals: boolean;
  /** An SMS to each merchant's registered phone; critical notices only. */
  sms: boolean;
}

/** What an alert rule watches (shared/DESIGN.md "Alerts and outgoing webhooks"). */
export const alertRuleKinds = [
  "terminal_offline",
  "tamper_failed",
  "low_battery",
  "errors_reported",
  "rollout_paused",
  "work_order_assigned",
  "work_order_overdue",
  "training_expiring",
  "sms_failing",
] as const;
export type AlertRuleKind = (typeof alertRuleKinds)[number];
export const alertSeverities = ["info", "warning", "critical"] as const;
export type AlertSeverity = (typeof alertSeverities)[number];
export const alertStatuses = ["open", "resolved"] as const;
export type AlertStatus = (typeof alertStatuses)[number];
/** How a person gets alerts by e-mail: each at once, gathered into an hourly or daily digest, or not at all. */
export const emailDeliveryModes = ["immediate", "hourly", "daily", "off"] as const;
export type EmailDeliveryMode = (typeof emailDeliveryModes)[number];
/** Which alerts reach a person by SMS: critical ones (the default), all, or none. */
export const smsDeliveryModes = ["critical", "all", "off"] as const;
export type SmsDeliveryMode = (typeof smsDeliveryModes)[number];
/** An outgoing message's state in its outbox (e-mail, webhook deliveries). */
/** What a console user can ask a terminal to do; it arrives in the terminal's heartbeat answer (shared/DESIGN.md). */
export const commandTypes = ["reboot", "lock", "unlock", "collect_logs", "ping"] as const;
export type CommandType = (typeof commandTypes)[number];
/** queued → delivered (a heartbeat carried it) → succeeded | failed | rejected; or expired (never delivered in time) or cancelled (before delivery). */
export const commandStatuses = ["queued", "delivered", "succeeded", "failed", "rejected", "expired", "cancelled"] as const;
export type CommandStatus = (typeof commandStatuses)[number];
/** The results a terminal reports for a command it was given. */
export const commandResults = ["succeeded", "failed", "rejected"] as const satisfies readonly CommandStatus[];
export type CommandResult = (typeof commandResults)[number];
/** A command in these states still rides in its terminal's heartbeat answers. */
export const openCommandStatuses = ["queued", "delivered"] as const satisfies readonly CommandStatus[];
/** What a command carries for the terminal: a lock's message for its screen; the other kinds carry nothing. */
export interface CommandParams {
  message?: string;
}
/** The longest lock message a terminal's screen is given. */
export const LOCK_MESSAGE_MAX = 120;

/** What a bulk action does to each terminal it selected. */
export const bulkJobKinds = ["command", "move_to_store", "set_status"] as const;
export type BulkJobKind = (typeof bulkJobKinds)[number];
/** queued → running (its first chunk) → done; or cancelled, which stops it before its next chunk. */
export const bulkJobStatuses = ["queued", "running", "done", "cancelled"] as const;
export type BulkJobStatus = (typeof bulkJobStatuses)[number];
/** A bulk job with terminals still to go: the runner takes it, and it can be cancelled. */
export const openBulkJobStatuses = ["queued", "running"] as const satisfies readonly BulkJobStatus[];
export const isBulkJobOpen = (status: BulkJobStatus | undefined): boolean => (openBulkJobStatuses as readonly (BulkJobStatus | undefined)[]).includes(status);
/** One terminal of a bulk job: pending until a chunk takes it, then done, skipped (a rule refused it, with the reason) or failed. */
export const bulkJobItemStatuses = ["pending", "done", "skipped", "failed"] as const;
export type BulkJobItemStatus = (typeof bulkJobItemStatuses)[number];

export const outboxStatuses = ["queued", "sent", "failed"] as const;
export type OutboxStatus = (typeof outboxStatuses)[number];
export const emailKinds = ["alert", "digest", "invitation", "password_reset", "email_change"] as const;
export type EmailKind = (typeof emailKinds)[number];
/** Single-use links sent by e-mail: set a password after an invitation or a reset, confirm a new address. */
export const accountLinkKinds = ["invitation", "password_reset", "email_change"] as const;
export type AccountLinkKind = (typeof accountLinkKinds)[number];
