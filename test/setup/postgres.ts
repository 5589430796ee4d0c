import type { TestProject } from 'vitest/node';
import { POSTGRES_URL_VARIABLE, startPostgresCluster } from './postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/**
 * The PostgreSQL server of the store tests: the one `CHAT_HISTORY_TEST_POSTGRES_URL` names (CI
 * starts one), else a throwaway cluster started here. Never skipped: without either, this fails.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const given = process.env[POSTGRES_URL_VARIABLE];
  if (given) {
    project.provide('postgresUrl', given);
    return () => undefined;
  }
  const cluster = await startPostgresCluster();
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}
