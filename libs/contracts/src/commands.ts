import { z } from 'zod';
import { FingerprintSchema } from './alerts';

const timestamp = z.iso.datetime({ offset: true });

/**
 * Who asked, through which chat. The notifier maps the chat user to a role before it publishes; the
 * consumer checks the role again (the bus is trusted no more than the API).
 */
export const ChatActorSchema = z.object({
  name: z.string().min(1).max(200),
  role: z.enum(['viewer', 'operator', 'admin']),
  via: z.enum(['slack', 'telegram']),
  chatUserId: z.string().min(1).max(200),
});
export type ChatActor = z.infer<typeof ChatActorSchema>;

/** A chat user pressed Approve or Reject on an approval request. A request, not a fact: the executor decides. */
export const ApprovalDecideCommandSchema = z.object({
  approvalId: z.string().min(1).max(200),
  decision: z.enum(['approve', 'reject']),
  actor: ChatActorSchema,
  comment: z.string().max(1000).optional(),
  requestedAt: timestamp,
});
export type ApprovalDecideCommand = z.infer<typeof ApprovalDecideCommandSchema>;

/** A chat user pressed Acknowledge on an alert message. A request, not a fact: the mapper acknowledges. */
export const AlertAcknowledgeCommandSchema = z.object({
  fingerprint: FingerprintSchema,
  actor: ChatActorSchema,
  comment: z.string().max(1000).optional(),
  requestedAt: timestamp,
});
export type AlertAcknowledgeCommand = z.infer<typeof AlertAcknowledgeCommandSchema>;
