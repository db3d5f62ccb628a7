import { z } from 'zod';
import { FingerprintSchema } from './alerts';
import { ChatRoleSchema, chatText, ChatViaSchema } from './chat-users';

const timestamp = z.iso.datetime({ offset: true });

/**
 * Who asked, through which chat. The notifier maps the chat user to a role before it publishes; the
 * consumers look the chat user up again in the same chat-users.yaml and act as the person it names (the
 * bus is trusted no more than the API): `name` and `role` here are what the notifier saw, for the record.
 */
export const ChatActorSchema = z.object({
  name: chatText(1, 200),
  role: ChatRoleSchema,
  via: ChatViaSchema,
  chatUserId: chatText(1, 200),
});
export type ChatActor = z.infer<typeof ChatActorSchema>;

/** A chat user pressed Approve or Reject on an approval request. A request, not a fact: the executor decides. */
export const ApprovalDecideCommandSchema = z.object({
  approvalId: z.string().min(1).max(200),
  decision: z.enum(['approve', 'reject']),
  actor: ChatActorSchema,
  comment: chatText(0, 1000, { multiline: true }).optional(),
  requestedAt: timestamp,
});
export type ApprovalDecideCommand = z.infer<typeof ApprovalDecideCommandSchema>;

/** A chat user pressed Acknowledge on an alert message. A request, not a fact: the mapper acknowledges. */
export const AlertAcknowledgeCommandSchema = z.object({
  fingerprint: FingerprintSchema,
  /**
   * The startsAt (whole seconds) of the episode whose message carried the button: the mapper refuses the
   * request when the alert has started another episode since, however late the press. Absent for buttons
   * sent before it was carried (then only requestedAt, before the current episode's start, is refused).
   */
  episodeStartsAt: timestamp.optional(),
  actor: ChatActorSchema,
  comment: chatText(0, 1000, { multiline: true }).optional(),
  requestedAt: timestamp,
});
export type AlertAcknowledgeCommand = z.infer<typeof AlertAcknowledgeCommandSchema>;
