import { DeviceApiError, errorResponse } from "@/server/device-api/http";

/** Any other path under the device API answers in the contract's error shape. */
function notFound() {
  return errorResponse(new DeviceApiError(404, "not_found", "No such device API endpoint."));
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
