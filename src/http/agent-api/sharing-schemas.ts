import { z } from 'zod';
import { ParticipantRole } from '../../core/chats/chat-model.js';
import type { InvitationRequest } from '../../core/sharing/shared-chats.js';
import { isRecord } from '../legacy/wire.js';

/**
 * Bodies and queries of the shared-chat resources (docs/SHARED-CHATS.md), Parley additions to the
 * Chat Agent API read like its own bodies: a missing wrapper reads as empty.
 */

const lenientObject = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (isRecord(value) ? value : {}), schema);

/** An id sent as a number or as digits (`"2004"`), or a name where names are allowed. */
const idText = z.union([z.number().int().nonnegative(), z.string().trim().min(1).max(200)]).transform(String);

const MAX_NOTE = 2_000;

/** `{"participant": {"role": "listener" | "assistant"}}`; the role defaults to listener. */
export const joinBody = lenientObject(
  z.object({
    participant: lenientObject(
      z.object({
        role: z
          .enum([ParticipantRole.LISTENER, ParticipantRole.ASSISTANT], { error: 'role must be listener or assistant' })
          .optional(),
      }),
    ),
  }),
).transform((body) => body.participant.role ?? ParticipantRole.LISTENER);

/** `{"invitation": {"agentId": …} | {"skillId": …}, "note"?}`: exactly one target. */
export const invitationBody = lenientObject(
  z.object({
    invitation: lenientObject(
      z.object({
        agentId: idText.optional(),
        skillId: idText.optional(),
        note: z.string({ error: 'note must be a text' }).max(MAX_NOTE).optional(),
      }),
    ),
  }),
).transform((body, ctx): { target: InvitationRequest; note: string } => {
  const { agentId, skillId, note = '' } = body.invitation;
  if ((agentId === undefined) === (skillId === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'An invitation names an agentId or a skillId', path: ['invitation'] });
    return z.NEVER;
  }
  const target: InvitationRequest =
    agentId !== undefined ? { kind: 'user', agentId } : { kind: 'skill', skillId: skillId ?? '' };
  return { target, note };
});

/** `{"response": "accept" | "decline"}`. */
export const invitationAnswerBody = lenientObject(
  z.object({ response: z.enum(['accept', 'decline'], { error: 'response must be accept or decline' }) }),
).transform((body) => body.response === 'accept');

/** `{"autoListen": {"skills": "all" | [ids or names]}}`. */
export const autoListenBody = lenientObject(
  z.object({
    autoListen: lenientObject(
      z.object({
        skills: z.union([z.literal('all'), z.array(idText).min(1).max(500)], {
          error: 'skills must be "all" or a list of skill ids or names',
        }),
      }),
    ),
  }),
).transform((body) => body.autoListen.skills);

const queryText = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' && value !== '' ? value : undefined));

/** `skill` narrows the list; `seen` names the version a long-poll waits to differ from. */
export const liveChatsQuery = lenientObject(z.object({ skill: queryText, seen: queryText }));
