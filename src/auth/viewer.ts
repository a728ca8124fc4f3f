/** The authenticated caller, as established from a verified token. */
export interface Viewer {
  /** The token's `sub`. */
  id: string;
  /** The token's `name`, when it has one. */
  name?: string;
  /** The token's `roles` claim (an array of strings or a space-separated string). */
  roles: readonly string[];
  /** When the token stops being valid, in epoch milliseconds. */
  expiresAt: number;
}

/** Roles that may publish notifications to any user. */
const NOTIFICATION_PUBLISHER_ROLES = new Set(['admin', 'service']);

export function canPublishNotifications(viewer: Viewer): boolean {
  return viewer.roles.some((role) => NOTIFICATION_PUBLISHER_ROLES.has(role));
}
