/**
 * IPC channel names, shared by the preload (renderer side) and main/shell/ipc.ts. One prefix so a
 * stray message from anything else can never match a handler.
 */

const PREFIX = 'convstudio:';

/** Channel of a request/response call, e.g. "convstudio:call:startTraining". */
export const callChannel = (name: string): string => `${PREFIX}call:${name}`;

/** Main → page event streams. */
export const TRAINING_EVENT_CHANNEL = `${PREFIX}event:training`;
export const MENU_COMMAND_CHANNEL = `${PREFIX}event:menu`;
