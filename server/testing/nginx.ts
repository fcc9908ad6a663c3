// Moved to shared/testing/ so that the load benchmark may start it too (bench/ may not import server/).
export { findNginx, freePort, startNginx } from '../../shared/testing/nginx.ts';
export type { NginxOptions, StartedNginx } from '../../shared/testing/nginx.ts';
