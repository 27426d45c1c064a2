// One implementation, shared with the unit tests' store list.
export { createTestDatabase, type TestDatabase } from '../../src/store/testkit.js';
