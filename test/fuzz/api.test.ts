import { describe } from 'vitest';
import { fuzzSuite } from './suite.js';

// Half of the 10,000-case CI run; `npm run fuzz` runs longer (see test/README.md).
describe('fuzz /api', () => fuzzSuite('/api/', 5_000));
