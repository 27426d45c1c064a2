/** Credentials of the Keel the browser tests start (test-only values). */
export const ADMIN_TOKEN = 'command-room-admin-token-0123456789';
export const SIGNING_KEY = 'command-room-audit-signing-key-0123456789';
