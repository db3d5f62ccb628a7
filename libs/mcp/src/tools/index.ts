import { acknowledgeAlert, createSilence, getAlert, listAlerts } from './alert-tools';
import { approveExecution, getExecution, listExecutions, rejectExecution } from './execution-tools';
import { executeRunbook, getRunbook, recommendRunbooks, searchRunbooks } from './runbook-tools';
import { getSloStatus, listDetectors } from './status-tools';
import type { FirebreakTool } from './tool';

export const TOOLS: FirebreakTool[] = [
  listAlerts,
  getAlert,
  acknowledgeAlert,
  createSilence,
  searchRunbooks,
  getRunbook,
  recommendRunbooks,
  executeRunbook,
  listExecutions,
  getExecution,
  approveExecution,
  rejectExecution,
  getSloStatus,
  listDetectors,
] as FirebreakTool[];
