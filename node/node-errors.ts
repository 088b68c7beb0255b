import { WeaverError } from '../errors/index.js';

export enum NodeErrorCode {
  /** the node is stopping: no new work */
  STOPPING = 'NODE_STOPPING',
  /** another process holds the home's database */
  HOME_LOCKED = 'NODE_HOME_LOCKED',
  /** a read of a home where nothing has run yet */
  HOME_MISSING = 'NODE_HOME_MISSING',
  /** the home cannot be used (not a folder, not writable, a database that does not open) */
  HOME_UNUSABLE = 'NODE_HOME_UNUSABLE',
  /** weavergen.config.json, an environment variable or a flag has an invalid value */
  CONFIG_INVALID = 'NODE_CONFIG_INVALID',
  /** the command needs a running node (its network), and none answers on the home */
  NOT_RUNNING = 'NODE_NOT_RUNNING',
  /** the API port is taken */
  PORT_IN_USE = 'NODE_PORT_IN_USE',
}

export type NodeErrorType =
  | { code: NodeErrorCode.STOPPING }
  | { code: NodeErrorCode.HOME_LOCKED; home: string; pid?: number }
  | { code: NodeErrorCode.HOME_MISSING; home: string }
  | { code: NodeErrorCode.HOME_UNUSABLE; home: string }
  | { code: NodeErrorCode.CONFIG_INVALID; source?: string; issues?: string[] }
  | { code: NodeErrorCode.NOT_RUNNING; home: string }
  | { code: NodeErrorCode.PORT_IN_USE; host: string; port: number };

export class NodeError extends WeaverError<NodeErrorType> {}
