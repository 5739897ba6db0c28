import { acceptInvitation, confirmEmailChange, linkInfo, listMerchantLogins, requestPasswordReset, resetPassword } from "../services/account-links";
import { confirmEmailChangeInput, linkInfoInput, merchantLoginsInput, passwordResetRequestInput, setPasswordByLinkInput } from "../schemas/account-links";
import { defaultLocale } from "../locales";
import { publicProcedure, roleProcedure, router } from "../trpc";

export const accountLinksRouter = router({
  // The pages reached from e-mailed links, signed out: the link's token is the only key.
  linkInfo: publicProcedure.input(linkInfoInput).query(({ ctx, input }) => linkInfo(ctx.db, input.kind, input.token)),
  acceptInvitation: publicProcedure.input(setPasswordByLinkInput).mutation(({ ctx, input }) => acceptInvitation(ctx.db, input.token, input.password)),
  // Answers at once; the e-mail, if any, follows on its own (the service's `done`).
  requestPasswordReset: publicProcedure
    .input(passwordResetRequestInput)
    .mutation(async ({ ctx, input }) => (await requestPasswordReset(ctx.db, input.email, ctx.ip, new Date(), ctx.locale ?? defaultLocale)).answer),
  resetPassword: publicProcedure.input(setPasswordByLinkInput).mutation(({ ctx, input }) => resetPassword(ctx.db, input.token, input.password)),
  confirmEmailChange: publicProcedure.input(confirmEmailChangeInput).mutation(({ ctx, input }) => confirmEmailChange(ctx.db, input.token)),
  // Who has a login at a merchant, with their invitations: for admins and the merchant's owner (its scope).
  merchantLogins: roleProcedure("admin", "merchant")
    .input(merchantLoginsInput)
    .query(({ ctx, input }) => listMerchantLogins(ctx.db, ctx.scope, input)),
});
