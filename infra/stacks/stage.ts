import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** What differs between a throwaway stage (`dev`, the default) and `prod` (`-c stage=prod`). */
export interface StageConfig {
  name: string;
  isProd: boolean;
  /** Data (table, buckets, logs): RETAIN in prod, DESTROY elsewhere. */
  removalPolicy: RemovalPolicy;
  /** Empties buckets on stack deletion; only where data is destroyed anyway. */
  autoDeleteObjects: boolean;
  logRetention: RetentionDays;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  archiveRetention: Duration;
  /** Default-stage throttling of the HTTP API, per second. */
  apiThrottle: { rateLimit: number; burstLimit: number };
  /** Optional address subscribed to the alarm topic (`-c alarmEmail=...`). */
  alarmEmail?: string;
}

const STAGE_NAME = /^[a-z][a-z0-9-]{0,15}$/;

/** The configuration of a stage by name; names are short lowercase slugs (they end up in resource names). */
export function stageConfig(name: string, options: { alarmEmail?: string } = {}): StageConfig {
  if (!STAGE_NAME.test(name)) throw new Error(`stage must match ${STAGE_NAME}, got "${name}"`);
  const isProd = name === 'prod';
  return {
    name,
    isProd,
    removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    autoDeleteObjects: !isProd,
    logRetention: isProd ? RetentionDays.ONE_YEAR : RetentionDays.TWO_WEEKS,
    logLevel: isProd ? 'INFO' : 'DEBUG',
    archiveRetention: Duration.days(isProd ? 365 : 14),
    apiThrottle: isProd ? { rateLimit: 200, burstLimit: 400 } : { rateLimit: 20, burstLimit: 40 },
    ...(options.alarmEmail && { alarmEmail: options.alarmEmail }),
  };
}
