import { createMiddleware } from "hono/factory";
import type { Permission } from "../../domain/permissions.ts";
import type { AppEnv } from "../app-env.ts";
import { apiError } from "../errors.ts";

/** Refuses (403) a key that lacks the permission; goes after `apiKeyAuth`. */
export function requirePermission(permission: Permission) {
  return createMiddleware<AppEnv>(async function requirePermission(c, next) {
    if (!c.get("apiKey").permissions.includes(permission)) {
      throw apiError(403, `Missing permission: ${permission}`, { permission });
    }
    await next();
  });
}
