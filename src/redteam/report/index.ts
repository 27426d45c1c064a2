export { toHtmlReport } from './html.js';
export { toJsonReport, withoutAttempts } from './json.js';
export { toJunitXml } from './junit.js';
