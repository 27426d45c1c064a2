export { eventsToResponse, responseToEvents } from './events.js';
export { createRouter, type RouterOptions } from './router.js';
export type { ModelInfo, Router } from './types.js';
