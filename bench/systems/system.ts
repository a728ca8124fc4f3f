import type { ChildProcess } from 'node:child_process';
import type { RuntimeReading } from './runtime-metrics.js';

export type SystemName = 'gateway' | 'tutorial' | 'floor' | 'wire';

export interface Instance {
  wsUrl: string;
  httpUrl: string;
  child: ChildProcess;
}

/** A system under test, started for one workload and stopped after it. */
export interface RunningSystem {
  name: SystemName;
  instances: Instance[];
  /** Processes beside the instances (the gateway's Chat service): reported, not counted as the system's CPU. */
  auxiliary: ChildProcess[];
  /** How the system was run (e.g. which event bus), for the report. */
  mode: string;
  notes: string[];
  /** Sockets join their group over the socket before subscribing. */
  joinsGroups: boolean;
  /** Group ids for `count` new groups. */
  createGroups(count: number): Promise<string[]>;
  /** The token a user's socket authenticates with, if the system checks one. */
  tokenFor(userId: string): Promise<string | undefined>;
  /** The Redis channel a group's messages travel on; undefined for a system that does not use Redis. */
  groupChannel?: (groupId: string) => string;
  /** The first instance's runtime figures from its own metrics, where it has any (the gateway). */
  readRuntime?(): Promise<RuntimeReading | undefined>;
  stop(): Promise<void>;
}

export interface SystemStartOptions {
  /** Unique per run and system: every Redis key and channel starts with it. */
  redisPrefix: string;
  redisUrl: string;
  instances: number;
}
