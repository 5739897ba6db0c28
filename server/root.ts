import { accountRouter } from "./routers/account";
import { accountLinksRouter } from "./routers/account-links";
import { activationsRouter } from "./routers/activations";
import { alertsRouter } from "./routers/alerts";
import { auditRouter } from "./routers/audit";
import { bulkRouter } from "./routers/bulk";
import { commandsRouter } from "./routers/commands";
import { emailRouter } from "./routers/email";
import { firmwareRouter } from "./routers/firmware";
import { maintenanceRouter } from "./routers/maintenance";
import { merchantsRouter } from "./routers/merchants";
import { modelsRouter } from "./routers/models";
import { noticesRouter } from "./routers/notices";
import { overviewRouter } from "./routers/overview";
import { rolloutsRouter } from "./routers/rollouts";
import { terminalsRouter } from "./routers/terminals";
import { trainingRouter } from "./routers/training";
import { usersRouter } from "./routers/users";
import { webhooksRouter } from "./routers/webhooks";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  overview: overviewRouter,
  terminals: terminalsRouter,
  merchants: merchantsRouter,
  models: modelsRouter,
  users: usersRouter,
  audit: auditRouter,
  activations: activationsRouter,
  firmware: firmwareRouter,
  rollouts: rolloutsRouter,
  maintenance: maintenanceRouter,
  training: trainingRouter,
  notices: noticesRouter,
  account: accountRouter,
  alerts: alertsRouter,
  accountLinks: accountLinksRouter,
  email: emailRouter,
  webhooks: webhooksRouter,
  commands: commandsRouter,
  bulk: bulkRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
