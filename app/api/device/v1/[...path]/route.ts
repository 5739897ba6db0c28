import { noSuchEndpoint } from "@/server/device-api/http";

/** Any other path under the device API answers in the contract's error shape. */
export { noSuchEndpoint as GET, noSuchEndpoint as POST, noSuchEndpoint as PUT, noSuchEndpoint as PATCH, noSuchEndpoint as DELETE };
