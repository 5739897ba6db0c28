import { getDb } from "../db";
import { handleDeviceRequest, type DeviceEndpoint } from "./http";

/** For route handlers: the endpoint on the app's database. */
export async function serveDevice<Body, Auth extends boolean>(endpoint: DeviceEndpoint<Body, Auth>, req: Request, params: Record<string, string> = {}) {
  return handleDeviceRequest(await getDb(), endpoint, req, params);
}
