export { DATA_ROUTE_ROLES, type DataRoutesDeps, dataRoutes } from './data/index.js';
